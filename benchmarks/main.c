/* Benchmarks (all concepts): the entry point of build/lrlab-bench. Each benchmark file registers
 * its own instances when the program loads (GBENCH_CONSTRUCTOR), so a new file needs no edit here. */
#include "gbench.h"

int main(int argc, char **argv)
{
    return gbench_main(argc, argv);
}
