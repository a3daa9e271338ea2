/* C24/C25 kernel pairs: the AVX2 dense and softmax cross-entropy twins against the reference at
 * exactly the bounds stated in objective_nn.h, on random shapes (not multiples of the 6x16 tile,
 * several k blocks) and misaligned buffers; the reference against double precision; the exp
 * polynomial's ulp bound; determinism. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective_nn.h"

static void need_avx2(void)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("this CPU lacks AVX2+FMA");
}

static float *scratch_alloc(void)
{
    float *s = aligned_alloc(64, LR_DENSE_SCRATCH_FLOATS * sizeof(float));
    cr_assert_not_null(s);
    return s;
}

/* Values whose products and sums stay far from underflow: magnitude in [0.01, 1], random sign,
 * or (inputs after a ReLU) zero about half the time. */
static void fill(lr_test_rng *r, float *v, size_t n, bool nonneg_sparse)
{
    for (size_t i = 0; i < n; i++) {
        float m = (float)rng_range(r, 0.01, 1.0);
        if (nonneg_sparse)
            v[i] = rng_uniform(r) < 0.5 ? 0.0f : m;
        else
            v[i] = rng_uniform(r) < 0.5 ? -m : m;
    }
}

/* Largest |got - want| / (bound * sum|terms|) seen, for the log. */
typedef struct ratio_log {
    const char *what;
    double max_ratio;
} ratio_log;

/* The twins differ by at most lr_nn_bound(n) * terms (+ floor); one twin differs from the exact
 * value by at most half that (gamma_n): `share` is 1 or 0.5. */
static void check_bound(ratio_log *log, double share, double got, double want, double n,
                        double terms, double floor, const char *ctx, size_t a, size_t b)
{
    double bound = share * lr_nn_bound(n) * terms + floor;
    double err = fabs(got - want);
    cr_assert(err <= bound, "%s %s (%zu, %zu): |%.9g - %.9g| = %.3g > bound %.3g (n = %g)", log->what,
              ctx, a, b, got, want, err, bound, n);
    if (bound > 0 && err / bound > log->max_ratio)
        log->max_ratio = err / bound;
}

typedef struct shape {
    size_t rows, in, out;
} shape;

/* Random shapes, plus the ones training uses and the tile edges. */
static shape pick_shape(lr_test_rng *r, int trial)
{
    /* The last two span several MC (120) row blocks and NC (512) column blocks. */
    static const shape fixed[] = {{128, 784, 10}, {128, 784, 100}, {128, 100, 10}, {1, 1, 1},
                                  {6, 16, 16},    {7, 17, 13},     {256, 300, 33}, {5, 513, 6},
                                  {300, 50, 200}, {20, 40, 600}};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    if ((size_t)trial < nfixed)
        return fixed[trial];
    return (shape){1 + rng_below(r, 70), 1 + rng_below(r, 600), 1 + rng_below(r, 50)};
}

Test(nn_kernels, dense_forward_twins_within_bound)
{
    need_avx2();
    lr_test_rng rng = {0xf0dd};
    ratio_log twin = {"forward avx2-ref", 0}, exact = {"forward ref-exact", 0};
    float *scratch = scratch_alloc();
    for (int trial = 0; trial < 40; trial++) {
        shape s = pick_shape(&rng, trial);
        size_t off = rng_below(&rng, 8);
        lr_test_buf x = buf_alloc(s.rows * s.in, off), w = buf_alloc(s.out * s.in, (off + 3) % 8);
        lr_test_buf b = buf_alloc(s.out, 1), yr = buf_alloc(s.rows * s.out, off),
                    ya = buf_alloc(s.rows * s.out, (off + 5) % 8);
        fill(&rng, x.data, s.rows * s.in, trial % 2);
        fill(&rng, w.data, s.out * s.in, false);
        fill(&rng, b.data, s.out, false);
        bool relu = trial % 3 == 0;
        lr_dense_forward_ref(s.rows, s.in, s.out, x.data, w.data, b.data, relu, yr.data, NULL);
        lr_dense_forward_avx2(s.rows, s.in, s.out, x.data, w.data, b.data, relu, ya.data, scratch);
        for (size_t i = 0; i < s.rows; i++)
            for (size_t j = 0; j < s.out; j++) {
                double sum = b.data[j], terms = fabs(b.data[j]);
                for (size_t k = 0; k < s.in; k++) {
                    double p = (double)x.data[i * s.in + k] * w.data[j * s.in + k];
                    sum += p;
                    terms += fabs(p);
                }
                if (relu && sum < 0)
                    sum = 0;
                double n = (double)s.in + 1;
                check_bound(&twin, 1, ya.data[i * s.out + j], yr.data[i * s.out + j], n, terms, 0,
                            "y", i, j);
                /* The reference alone is within gamma_n = bound/2 of the exact value. */
                check_bound(&exact, 0.5, yr.data[i * s.out + j], sum, n, terms, 0, "y", i, j);
            }
        buf_free(&x), buf_free(&w), buf_free(&b), buf_free(&yr), buf_free(&ya);
    }
    free(scratch);
    cr_log_info("max error/bound: %s %.3g, %s %.3g", twin.what, twin.max_ratio, exact.what,
                exact.max_ratio);
}

/* What the backward pass should produce, in double, with the sums of |terms| per output. */
typedef struct backward_truth {
    double *dw, *dw_terms, *db, *db_terms, *dx, *dx_terms;
} backward_truth;

static backward_truth backward_exact(shape s, const float *x, const float *w, const float *dy,
                                     bool accumulate, const float *dw0, const float *db0, bool relu_x)
{
    backward_truth t;
    t.dw = calloc(s.out * s.in, sizeof(double));
    t.dw_terms = calloc(s.out * s.in, sizeof(double));
    t.db = calloc(s.out, sizeof(double));
    t.db_terms = calloc(s.out, sizeof(double));
    t.dx = calloc(s.rows * s.in, sizeof(double));
    t.dx_terms = calloc(s.rows * s.in, sizeof(double));
    for (size_t j = 0; j < s.out; j++) {
        for (size_t k = 0; k < s.in; k++) {
            double acc = accumulate ? dw0[j * s.in + k] : 0, terms = fabs(acc);
            for (size_t i = 0; i < s.rows; i++) {
                double p = (double)dy[i * s.out + j] * x[i * s.in + k];
                acc += p;
                terms += fabs(p);
            }
            t.dw[j * s.in + k] = acc;
            t.dw_terms[j * s.in + k] = terms;
        }
        double acc = accumulate ? db0[j] : 0, terms = fabs(acc);
        for (size_t i = 0; i < s.rows; i++) {
            acc += dy[i * s.out + j];
            terms += fabs(dy[i * s.out + j]);
        }
        t.db[j] = acc;
        t.db_terms[j] = terms;
    }
    for (size_t i = 0; i < s.rows; i++)
        for (size_t k = 0; k < s.in; k++) {
            double acc = 0, terms = 0;
            for (size_t j = 0; j < s.out; j++) {
                double p = (double)dy[i * s.out + j] * w[j * s.in + k];
                acc += p;
                terms += fabs(p);
            }
            bool masked = relu_x && !(x[i * s.in + k] > 0);
            t.dx[i * s.in + k] = masked ? 0 : acc;
            t.dx_terms[i * s.in + k] = masked ? 0 : terms;
        }
    return t;
}

static void backward_truth_free(backward_truth *t)
{
    free(t->dw), free(t->dw_terms), free(t->db), free(t->db_terms), free(t->dx), free(t->dx_terms);
}

Test(nn_kernels, dense_backward_twins_within_bound)
{
    need_avx2();
    lr_test_rng rng = {0xbac4};
    ratio_log tw = {"dw avx2-ref", 0}, tb = {"db avx2-ref", 0}, tx = {"dx avx2-ref", 0};
    ratio_log ew = {"dw ref-exact", 0}, ex = {"dx ref-exact", 0};
    float *scratch = scratch_alloc();
    for (int trial = 0; trial < 40; trial++) {
        shape s = pick_shape(&rng, trial);
        bool accumulate = trial % 2 == 1, relu_x = trial % 4 < 2, with_dx = trial % 5 != 4;
        size_t off = rng_below(&rng, 8);
        lr_test_buf x = buf_alloc(s.rows * s.in, off), w = buf_alloc(s.out * s.in, 2),
                    dy = buf_alloc(s.rows * s.out, (off + 1) % 8);
        lr_test_buf dw[2] = {buf_alloc(s.out * s.in, 3), buf_alloc(s.out * s.in, off)};
        lr_test_buf db[2] = {buf_alloc(s.out, 0), buf_alloc(s.out, 5)};
        lr_test_buf dx[2] = {buf_alloc(s.rows * s.in, 7), buf_alloc(s.rows * s.in, off)};
        fill(&rng, x.data, s.rows * s.in, relu_x);
        fill(&rng, w.data, s.out * s.in, false);
        fill(&rng, dy.data, s.rows * s.out, false);
        fill(&rng, dw[0].data, s.out * s.in, false);
        fill(&rng, db[0].data, s.out, false);
        memcpy(dw[1].data, dw[0].data, s.out * s.in * sizeof(float));
        memcpy(db[1].data, db[0].data, s.out * sizeof(float));
        backward_truth t = backward_exact(s, x.data, w.data, dy.data, accumulate, dw[0].data,
                                          db[0].data, relu_x);
        lr_dense_backward_ref(s.rows, s.in, s.out, x.data, w.data, dy.data, accumulate, dw[0].data,
                              db[0].data, with_dx ? dx[0].data : NULL, relu_x, NULL);
        lr_dense_backward_avx2(s.rows, s.in, s.out, x.data, w.data, dy.data, accumulate,
                               dw[1].data, db[1].data, with_dx ? dx[1].data : NULL, relu_x, scratch);
        double nrows = (double)s.rows + (accumulate ? 1 : 0);
        for (size_t j = 0; j < s.out; j++) {
            for (size_t k = 0; k < s.in; k++) {
                size_t at = j * s.in + k;
                check_bound(&tw, 1, dw[1].data[at], dw[0].data[at], nrows, t.dw_terms[at], 0, "dw", j, k);
                check_bound(&ew, 0.5, dw[0].data[at], t.dw[at], nrows, t.dw_terms[at], 0, "dw", j, k);
            }
            check_bound(&tb, 1, db[1].data[j], db[0].data[j], nrows, t.db_terms[j], 0, "db", j, 0);
        }
        for (size_t i = 0; with_dx && i < s.rows; i++)
            for (size_t k = 0; k < s.in; k++) {
                size_t at = i * s.in + k;
                check_bound(&tx, 1, dx[1].data[at], dx[0].data[at], (double)s.out, t.dx_terms[at], 0,
                            "dx", i, k);
                check_bound(&ex, 0.5, dx[0].data[at], t.dx[at], (double)s.out, t.dx_terms[at], 0,
                            "dx", i, k);
            }
        backward_truth_free(&t);
        buf_free(&x), buf_free(&w), buf_free(&dy);
        for (int v = 0; v < 2; v++)
            buf_free(&dw[v]), buf_free(&db[v]), buf_free(&dx[v]);
    }
    free(scratch);
    cr_log_info("max error/bound: %s %.3g, %s %.3g, %s %.3g, %s %.3g, %s %.3g", tw.what,
                tw.max_ratio, tb.what, tb.max_ratio, tx.what, tx.max_ratio, ew.what, ew.max_ratio,
                ex.what, ex.max_ratio);
}

Test(nn_kernels, softmax_xent_twins_within_bound)
{
    need_avx2();
    lr_test_rng rng = {0x50f7};
    ratio_log tg = {"dlogits avx2-ref", 0}, tl = {"loss avx2-ref", 0};
    ratio_log eg = {"dlogits ref-exact", 0}, el = {"loss ref-exact", 0};
    for (int trial = 0; trial < 200; trial++) {
        size_t rows = 1 + rng_below(&rng, 40);
        size_t classes = trial % 4 == 0 ? 10 : 1 + rng_below(&rng, 40);
        /* Spreads up to 150 put some exp(t) among the subnormals, where the bound's floor applies. */
        double spread = trial % 3 == 0 ? 150.0 : trial % 3 == 1 ? 20.0 : 2.0;
        lr_test_buf z = buf_alloc(rows * classes, rng_below(&rng, 8));
        lr_test_buf gr = buf_alloc(rows * classes, 1), ga = buf_alloc(rows * classes, 6);
        uint8_t *y = malloc(rows);
        for (size_t i = 0; i < rows * classes; i++)
            z.data[i] = (float)rng_range(&rng, -spread, spread);
        for (size_t i = 0; i < rows; i++)
            y[i] = (uint8_t)rng_below(&rng, classes);
        float scale = (float)(1.0 / (double)rows);
        double lr = lr_softmax_xent_ref(rows, classes, z.data, y, scale, gr.data);
        double la = lr_softmax_xent_avx2(rows, classes, z.data, y, scale, ga.data);
        check_bound(&tl, 1, la, lr, (double)classes + 1 + LR_EXP_AVX2_ULP, (double)rows, 0, "loss",
                    rows, classes);
        double n = (double)classes + 2 + 2 * LR_EXP_AVX2_ULP + 3, exact_loss = 0;
        for (size_t i = 0; i < rows; i++) {
            /* Exact arithmetic from the shifted logits t = z - m, which both twins round the
             * same way (that rounding, amplified by exp, is not the kernels' error). */
            const float *zi = z.data + i * classes;
            float m = zi[0];
            for (size_t j = 1; j < classes; j++)
                m = zi[j] > m ? zi[j] : m;
            double s = 0;
            for (size_t j = 0; j < classes; j++)
                s += exp((double)(zi[j] - m));
            exact_loss += log(s) - (double)(zi[y[i]] - m);
            for (size_t j = 0; j < classes; j++) {
                double p = exp((double)(zi[j] - m)) / s;
                double terms = scale * (p + (j == y[i] ? 1.0 : 0.0));
                check_bound(&tg, 1, ga.data[i * classes + j], gr.data[i * classes + j], n, terms,
                            LR_SOFTMAX_FLOOR(scale), "dlogit", i, j);
                /* And the reference is the gradient of the mean loss (within the twin bound). */
                check_bound(&eg, 1, gr.data[i * classes + j], scale * (p - (j == y[i])), n, terms,
                            LR_SOFTMAX_FLOOR(scale), "dlogit ref-exact", i, j);
            }
        }
        check_bound(&el, 1, lr, exact_loss, (double)classes + 1 + LR_EXP_AVX2_ULP, (double)rows, 0,
                    "loss", rows, classes);
        free(y);
        buf_free(&z), buf_free(&gr), buf_free(&ga);
    }
    cr_log_info("max error/bound: %s %.3g, %s %.3g, %s %.3g, %s %.3g", tg.what, tg.max_ratio,
                tl.what, tl.max_ratio, eg.what, eg.max_ratio, el.what, el.max_ratio);
}

Test(nn_kernels, softmax_xent_nonfinite_logits_give_nan_loss)
{
    need_avx2();
    const lr_softmax_xent_fn fns[2] = {lr_softmax_xent_ref, lr_softmax_xent_avx2};
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int f = 0; f < 2; f++)
        for (int b = 0; b < 3; b++)
            for (size_t pos = 0; pos < 10; pos += 9) {
                float z[10] = {0.5f, -1, 2, 0, 0, 1, 3, -2, 0.25f, 1}, g[10];
                uint8_t y = 3;
                z[pos] = bad[b];
                double loss = fns[f](1, 10, z, &y, 1.0f, g);
                if (b < 2)
                    cr_assert(isnan(loss), "twin %d, %g at %zu: loss %g", f, z[pos], pos, loss);
                else
                    cr_assert(isfinite(loss), "twin %d, -inf at %zu is a zero probability", f, pos);
            }
}

/* ulp of the exact value e: that of its float binade, 2^-149 among the subnormals. */
static double ulp_of(double e)
{
    if (e < FLT_MIN)
        return 0x1p-149;
    int ex;
    frexp(e, &ex);
    return ldexp(1.0, ex - 24);
}

Test(nn_kernels, exp_within_stated_ulp)
{
    need_avx2();
    /* Every 37th float from -0 down to -104, about 30 million values, subnormal results included;
     * LRLAB_EXHAUSTIVE=1 checks all 1.1 billion (half a minute). */
    const char *all = getenv("LRLAB_EXHAUSTIVE");
    uint32_t stride = all && strcmp(all, "1") == 0 ? 1 : 37;
    enum { block = 4096 };
    float t[block], e[block];
    double worst = 0;
    float worst_t = 0;
    uint32_t lo_bits;
    float lo = -104.0f;
    memcpy(&lo_bits, &lo, 4);
    for (uint32_t bits = 0x80000000u; bits <= lo_bits;) {
        size_t n = 0;
        for (; n < block && bits <= lo_bits; n++, bits += stride)
            memcpy(&t[n], &bits, 4);
        lr_exp_avx2(n, t, e);
        for (size_t i = 0; i < n; i++) {
            double want = exp((double)t[i]);
            double u = fabs((double)e[i] - want) / ulp_of(want);
            if (u > worst) {
                worst = u;
                worst_t = t[i];
            }
        }
    }
    cr_log_info("exp avx2: max error %.3f ulp (at t = %.9g)", worst, worst_t);
    cr_assert(worst <= LR_EXP_AVX2_ULP, "max error %.3f ulp at t = %.9g", worst, worst_t);
    float special[7] = {-104.5f, -1000.0f, -INFINITY, NAN, 0.0f, -0.0f, -100.0f}, out[7];
    lr_exp_avx2(7, special, out);
    cr_assert_eq(out[0], 0.0f);
    cr_assert_eq(out[1], 0.0f);
    cr_assert_eq(out[2], 0.0f);
    cr_assert(isnan(out[3]));
    cr_assert_eq(out[4], 1.0f);
    cr_assert_eq(out[5], 1.0f);
    cr_assert(out[6] > 0.0f && out[6] < FLT_MIN, "exp(-100) = %g is a subnormal", out[6]);
}

Test(nn_kernels, twins_are_deterministic)
{
    need_avx2();
    lr_test_rng rng = {0xde7e};
    shape s = {37, 301, 23};
    float *scratch = scratch_alloc();
    float *x = malloc(s.rows * s.in * 4), *w = malloc(s.out * s.in * 4), *b = malloc(s.out * 4);
    fill(&rng, x, s.rows * s.in, true);
    fill(&rng, w, s.out * s.in, false);
    fill(&rng, b, s.out, false);
    const lr_kernels *tables[2] = {&lr_kernels_reference, &lr_kernels_avx2};
    for (int t = 0; t < 2; t++) {
        float *y[2], *dw[2], *db[2], *dx[2];
        for (int rep = 0; rep < 2; rep++) {
            y[rep] = malloc(s.rows * s.out * 4);
            dw[rep] = malloc(s.out * s.in * 4);
            db[rep] = malloc(s.out * 4);
            dx[rep] = malloc(s.rows * s.in * 4);
            tables[t]->dense_forward(s.rows, s.in, s.out, x, w, b, true, y[rep], scratch);
            tables[t]->dense_backward(s.rows, s.in, s.out, x, w, y[rep], false, dw[rep], db[rep],
                                      dx[rep], true, scratch);
        }
        cr_assert_eq(memcmp(y[0], y[1], s.rows * s.out * 4), 0, "%s forward", tables[t]->impl);
        cr_assert_eq(memcmp(dw[0], dw[1], s.out * s.in * 4), 0, "%s dw", tables[t]->impl);
        cr_assert_eq(memcmp(db[0], db[1], s.out * 4), 0, "%s db", tables[t]->impl);
        cr_assert_eq(memcmp(dx[0], dx[1], s.rows * s.in * 4), 0, "%s dx", tables[t]->impl);
        for (int rep = 0; rep < 2; rep++)
            free(y[rep]), free(dw[rep]), free(db[rep]), free(dx[rep]);
    }
    free(x), free(w), free(b), free(scratch);
}

Test(nn_kernels, gather_pixels_twins_bitwise_equal)
{
    need_avx2();
    lr_test_rng rng = {0x9a7e};
    /* Every byte value appears (row r, column k holds (r*dim + k) mod 256); dims cover the
     * 8-wide blocks and their tails. */
    const size_t dims[] = {1, 7, 8, 9, 256, 259, 784};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        size_t dim = dims[t], n = 300, rows = 37;
        uint8_t *pixels = malloc(n * dim);
        for (size_t i = 0; i < n * dim; i++)
            pixels[i] = (uint8_t)i;
        size_t idx[37];
        for (size_t r = 0; r < rows; r++)
            idx[r] = rng_below(&rng, n);
        idx[0] = 0;
        lr_test_buf xr = buf_alloc(rows * dim, 3), xa = buf_alloc(rows * dim, t % 8);
        lr_gather_pixels_ref(rows, dim, pixels, idx, xr.data);
        lr_gather_pixels_avx2(rows, dim, pixels, idx, xa.data);
        cr_assert_eq(memcmp(xr.data, xa.data, rows * dim * sizeof(float)), 0, "dim %zu", dim);
        for (size_t r = 0; r < rows; r++)
            for (size_t k = 0; k < dim; k++)
                cr_assert_eq(xr.data[r * dim + k], (float)pixels[idx[r] * dim + k] / 255.0f);
        free(pixels);
        buf_free(&xr), buf_free(&xa);
    }
    /* All 256 quotients, one row. */
    uint8_t all[256];
    size_t zero = 0;
    float qa[256];
    for (int b = 0; b < 256; b++)
        all[b] = (uint8_t)b;
    lr_gather_pixels_avx2(1, 256, all, &zero, qa);
    for (int b = 0; b < 256; b++)
        cr_assert_eq(qa[b], (float)b / 255.0f, "byte %d: %a", b, qa[b]);
}

/* ---- softmax_metrics: the evaluation half, bitwise to softmax_xent --------------------------- */

static float float_of_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* A logit that is one of the values that meet the edge cases of max, exp and the argmax: NaNs of
 * either sign, other payloads and a signalling one (operand order decides which payload wins),
 * infinities, signed zeros, the largest floats (their differences overflow), a subnormal. The
 * first six make the row's loss NaN; `finite_loss` leaves them out (-inf stays: a zero
 * probability, or an infinite loss at the label). */
static float special_logit(lr_test_rng *r, bool finite_loss)
{
    const uint32_t bits[] = {0x7fc00000u, 0xffc00000u, 0x7fc0beefu, 0xffd01234u, 0x7fa00001u,
                             0x7f800000u, 0xff800000u, 0x00000000u, 0x80000000u, 0x7f7fffffu,
                             0xff7fffffu, 0x7f000000u, 0x00000100u};
    size_t n = sizeof bits / sizeof bits[0], first = finite_loss ? 6 : 0;
    return float_of_bits(bits[first + rng_below(r, n - first)]);
}

/* Rows of logits at stride ld (the padding past `classes` holds NaN, which must never be read):
 * per row a spread (small integers, so that ties are common, or uniform in +-2, 20, 150) and a
 * rate of special values (none, few, many); some entries copy an earlier one of their row, so
 * that the largest value is often tied. */
static void fill_metrics_logits(lr_test_rng *r, size_t rows, size_t classes, size_t ld,
                                bool finite_loss, float *z)
{
    static const double spreads[] = {0, 2, 20, 150};
    static const double specials[] = {0, 0, 0.05, 0.3};
    for (size_t i = 0; i < rows; i++) {
        float *zi = z + i * ld;
        double spread = spreads[rng_below(r, 4)], p_special = specials[rng_below(r, 4)];
        for (size_t j = 0; j < ld; j++) {
            if (j >= classes)
                zi[j] = NAN;
            else if (rng_uniform(r) < p_special)
                zi[j] = special_logit(r, finite_loss);
            else if (j > 0 && rng_uniform(r) < 0.15)
                zi[j] = zi[rng_below(r, j)];
            else if (spread == 0)
                zi[j] = (float)rng_below(r, 4);
            else
                zi[j] = (float)rng_range(r, -spread, spread);
        }
    }
}

/* The rows classified right, computed another way than the kernels' loop: all logits finite, and
 * the label's logit is greater than every earlier one and at least every later one. */
static size_t count_right(size_t rows, size_t classes, const float *z, size_t ld, const uint8_t *y)
{
    size_t right = 0;
    for (size_t i = 0; i < rows; i++) {
        const float *zi = z + i * ld;
        bool ok = true;
        for (size_t j = 0; j < classes; j++)
            ok = ok && isfinite(zi[j]);
        for (size_t j = 0; j < classes && ok; j++)
            ok = j < y[i] ? zi[j] < zi[y[i]] : zi[j] <= zi[y[i]];
        right += ok;
    }
    return right;
}

static uint64_t double_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* For rows 0..40 and class counts around the 8-wide chunks (and random ones), strided logits with
 * NaN padding and specials, misaligned: each twin's metrics loss has exactly the bits (NaN
 * payloads included) of its softmax_xent on the same rows packed, and both twins add the same
 * count of rows right, the one computed above. */
Test(nn_kernels, softmax_metrics_bitwise_to_xent_and_exact_count)
{
    need_avx2();
    lr_test_rng rng = {0x3e7c};
    static const size_t class_set[] = {1, 2, 7, 8, 9, 10, 16, 17, 33, 0 /* random */};
    size_t nan_losses = 0, nan_payloads_alike = 0, number_losses = 0, rights = 0;
    for (size_t rows = 0; rows <= 40; rows++)
        for (size_t ci = 0; ci < sizeof class_set / sizeof class_set[0]; ci++) {
            size_t classes = class_set[ci] ? class_set[ci] : 1 + rng_below(&rng, 64);
            size_t ld = classes + (rng_below(&rng, 3) == 0 ? 0 : 1 + rng_below(&rng, 9));
            /* The last row has no padding: a read past its classes leaves the buffer. */
            size_t n = rows ? (rows - 1) * ld + classes : 0;
            lr_test_buf z = buf_alloc(n + ld, rng_below(&rng, 8));
            lr_test_buf packed = buf_alloc(rows * classes, rng_below(&rng, 8));
            lr_test_buf g = buf_alloc(rows * classes, 0);
            uint8_t *y = malloc(rows + 1);
            /* Every other case without the specials that make a loss NaN, so that most sums are
             * numbers, compared bit for bit. */
            fill_metrics_logits(&rng, rows, classes, ld, ci % 2 == 1, z.data);
            for (size_t i = 0; i < rows; i++) {
                memcpy(packed.data + i * classes, z.data + i * ld, classes * sizeof(float));
                y[i] = (uint8_t)rng_below(&rng, classes);
            }
            size_t want = count_right(rows, classes, z.data, ld, y);
            const struct {
                const char *impl;
                lr_softmax_xent_fn xent;
                lr_softmax_metrics_fn metrics;
            } twins[2] = {{"ref", lr_softmax_xent_ref, lr_softmax_metrics_ref},
                          {"avx2", lr_softmax_xent_avx2, lr_softmax_metrics_avx2}};
            for (int t = 0; t < 2; t++) {
                size_t right = 1000; /* the kernel adds to it */
                double xent = twins[t].xent(rows, classes, packed.data, y, 1.0f, g.data);
                double loss = twins[t].metrics(rows, classes, z.data, ld, y, &right);
                /* A NaN's payload is not part of the contract (objective_nn.h says why). */
                if (isnan(xent))
                    cr_assert(isnan(loss), "%s rows %zu classes %zu ld %zu: metrics loss %a, "
                              "softmax_xent NaN", twins[t].impl, rows, classes, ld, loss);
                else
                    cr_assert_eq(double_bits(loss), double_bits(xent),
                                 "%s rows %zu classes %zu ld %zu: metrics loss %a (%016llx), "
                                 "softmax_xent %a (%016llx)", twins[t].impl, rows, classes, ld,
                                 loss, (unsigned long long)double_bits(loss), xent,
                                 (unsigned long long)double_bits(xent));
                nan_losses += isnan(loss);
                number_losses += !isnan(loss);
                nan_payloads_alike += isnan(loss) && double_bits(loss) == double_bits(xent);
                cr_assert_eq(right - 1000, want, "%s rows %zu classes %zu ld %zu: %zu right, not %zu",
                             twins[t].impl, rows, classes, ld, right - 1000, want);
            }
            rights += want;
            free(y);
            buf_free(&z), buf_free(&packed), buf_free(&g);
        }
    /* The cases must reach both kinds of row, or the checks above would prove little. */
    cr_assert(nan_losses > 100 && number_losses > 300 && rights > 1000,
              "%zu NaN losses, %zu numbers, %zu rows right", nan_losses, number_losses, rights);
    cr_log_info("softmax_metrics: %zu losses numbers, %zu NaN (%zu with softmax_xent's payload), "
                "%zu rows right", number_losses, nan_losses, nan_payloads_alike, rights);
}

/* The twins' losses differ by rounding (bound in objective_nn.h), but on finite logits their
 * counts agree with each other and with the count above for an evaluation-sized chunk. */
Test(nn_kernels, softmax_metrics_twins_count_alike_on_training_sized_chunks)
{
    need_avx2();
    lr_test_rng rng = {0x3e7d};
    size_t rows = LR_NN_CHUNK, classes = 10, ld = 80; /* one lane of eight, as the lanes read it */
    float *z = malloc(rows * ld * sizeof(float));
    uint8_t y[LR_NN_CHUNK];
    for (size_t i = 0; i < rows * ld; i++)
        z[i] = (float)rng_range(&rng, -5, 5);
    for (size_t i = 0; i < rows; i++)
        y[i] = (uint8_t)rng_below(&rng, classes);
    size_t rr = 0, ra = 0;
    double lr = lr_softmax_metrics_ref(rows, classes, z + 30, ld, y, &rr);
    double la = lr_softmax_metrics_avx2(rows, classes, z + 30, ld, y, &ra);
    cr_assert_eq(rr, ra);
    cr_assert_eq(rr, count_right(rows, classes, z + 30, ld, y));
    cr_assert(rr > 0 && rr < rows, "%zu right of %zu", rr, rows);
    ratio_log tl = {"metrics loss avx2-ref", 0};
    check_bound(&tl, 1, la, lr, (double)classes + 1 + LR_EXP_AVX2_ULP, (double)rows, 0, "loss",
                rows, classes);
    free(z);
}
