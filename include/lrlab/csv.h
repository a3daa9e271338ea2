/* Numeric CSV input shared by the command line and the data readers: one row of numbers at a time,
 * lines of any length, errors that name the file, the line and the cell. */
#ifndef LRLAB_CSV_H
#define LRLAB_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct lr_csv_reader {
    FILE *f;
    const char *name; /* file name used in messages ("<stdin>" for standard input) */
    long lineno;      /* physical line of the last row returned */
    char *line;
    size_t line_cap;
    double *row;      /* the last row read: row[0..ncells) */
    size_t ncells;
    size_t row_cap;
    char error[256];  /* set when lr_csv_next returns -1 */
} lr_csv_reader;

void lr_csv_init(lr_csv_reader *r, FILE *f, const char *name);

/* Reads the next row that is not blank. Cells are separated by commas; spaces, tabs and a final
 * carriage return around a cell are ignored; each cell must be a whole number as strtod reads it
 * ("1e-3", "inf", "nan"). Returns 1 for a row, 0 at the end of the input, -1 on error (r->error
 * names the line and cell, or the read error). */
int lr_csv_next(lr_csv_reader *r);

void lr_csv_free(lr_csv_reader *r);

#endif
