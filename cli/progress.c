/* A progress bar on stderr for long runs, drawn only when stderr is a terminal. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void lr_progress_init(lr_progress *p, const char *label)
{
    p->label = label;
    p->enabled = isatty(fileno(stderr));
    p->last_permille = -1;
}

void lr_progress_update(void *ctx, long done, long total)
{
    lr_progress *p = ctx;
    if (!p->enabled || total <= 0)
        return;
    int permille = (int)(1000.0 * (double)done / (double)total);
    if (permille == p->last_permille)
        return;
    p->last_permille = permille;
    int width = 30, filled = permille * width / 1000;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %5.1f%% (%ld/%ld)", permille / 10.0, done, total);
    fflush(stderr);
}

void lr_progress_done(lr_progress *p)
{
    if (p->enabled && p->last_permille >= 0)
        fputc('\n', stderr);
}
