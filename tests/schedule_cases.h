/* C07-C16 test support: valid schedules with random parameters drawn from a seeded generator, shared
 * by the property and table suites. */
#ifndef LRLAB_TESTS_SCHEDULE_CASES_H
#define LRLAB_TESTS_SCHEDULE_CASES_H

#include "helpers.h"
#include "lrlab/schedule.h"

/* A valid schedule of that kind (closed-form kinds and plateau), parameters spread over several
 * orders of magnitude, with edge values (gamma 0 or 1, power 0, T_mult 1, step_size_down 0, ...)
 * mixed in; polynomial is Keras' PolynomialDecay half of the time (rising, cycling, end = lr). Aborts the test if validation rejects what it drew (a bug in the generator). */
lr_schedule random_schedule(lr_test_rng *r, lr_schedule_kind kind);

/* A step in [0, LR_SCHEDULE_MAX_STEP - room]: small, medium or huge. */
long random_step(lr_test_rng *r, long room);

#endif
