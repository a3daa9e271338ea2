/* Numeric CSV rows for replay input, metrics files and golden data: strict, with exact messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/csv.h"

void lr_csv_init(lr_csv_reader *r, FILE *f, const char *name)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name;
}

void lr_csv_free(lr_csv_reader *r)
{
    free(r->line);
    free(r->row);
    r->line = NULL;
    r->row = NULL;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int push_cell(lr_csv_reader *r, double v)
{
    if (r->ncells == r->row_cap) {
        size_t cap = r->row_cap ? 2 * r->row_cap : 64;
        double *row = realloc(r->row, cap * sizeof *row);
        if (!row) {
            snprintf(r->error, sizeof r->error, "%s:%ld: out of memory", r->name, r->lineno);
            return -1;
        }
        r->row = row;
        r->row_cap = cap;
    }
    r->row[r->ncells++] = v;
    return 0;
}

/* Parses one line into r->row. The line is modified. */
static int parse_line(lr_csv_reader *r, char *s)
{
    r->ncells = 0;
    for (size_t cell = 1;; cell++) {
        char *end = strchr(s, ',');
        if (end)
            *end = '\0';
        while (is_blank(*s))
            s++;
        size_t len = strlen(s);
        while (len > 0 && is_blank(s[len - 1]))
            s[--len] = '\0';
        if (len == 0) {
            snprintf(r->error, sizeof r->error, "%s:%ld: cell %zu is empty", r->name, r->lineno,
                     cell);
            return -1;
        }
        char *stop;
        errno = 0;
        double v = strtod(s, &stop);
        if (stop != s + len) {
            snprintf(r->error, sizeof r->error, "%s:%ld: cell %zu is not a number: '%.40s'",
                     r->name, r->lineno, cell, s);
            return -1;
        }
        if (push_cell(r, v) != 0)
            return -1;
        if (!end)
            return 0;
        s = end + 1;
    }
}

int lr_csv_next(lr_csv_reader *r)
{
    r->error[0] = '\0';
    for (;;) {
        errno = 0;
        ssize_t got = getline(&r->line, &r->line_cap, r->f);
        if (got < 0) {
            if (ferror(r->f)) {
                snprintf(r->error, sizeof r->error, "%s: read error: %s", r->name,
                         strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        r->lineno++;
        if ((size_t)got != strlen(r->line)) {
            snprintf(r->error, sizeof r->error, "%s:%ld: line contains a NUL byte", r->name,
                     r->lineno);
            return -1;
        }
        const char *p = r->line;
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            continue; /* blank lines carry no row */
        return parse_line(r, r->line) == 0 ? 1 : -1;
    }
}
