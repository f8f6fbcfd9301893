/*
 * test_rng.h: the random numbers of the randomized unit tests.
 *
 * splitmix64, seeded from IBID_TEST_SEED when set, else from the clock and the process id; the
 * seed is printed first, so that a failing run can be replayed exactly.
 */
#ifndef IBID_TEST_RNG_H
#define IBID_TEST_RNG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state;

static inline uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void seed_rng(const char *test)
{
    const char *env = getenv("IBID_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
    printf("%s: IBID_TEST_SEED=%llu\n", test, (unsigned long long)seed);
    rng_state = seed;
}

#endif /* IBID_TEST_RNG_H */
