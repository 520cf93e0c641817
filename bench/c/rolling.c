/*
 * C reference for bench/rolling_bench.ts: rolling mean and population std (window W) over S series of N doubles,
 * the loops Bottleneck's move_mean / move_std run (running add/remove updates, NaN when the window is not full
 * or holds a NaN), one pass each, outputs written to fresh arrays.
 *
 *   rolling S N W REPS   reads S*N little-endian doubles from stdin, prints one JSON line:
 *   {"series":S,"bars":N,"window":W,"reps":REPS,"median_ms":..,"median_cpu_ms":..,"checksum_mean":..,"checksum_std":..}
 * median_cpu_ms is process CPU time (CLOCK_PROCESS_CPUTIME_ID): on a shared machine it is the robust figure.
 * Built by the bench with `gcc -O2` (no -ffast-math: IEEE order of operations, like the JavaScript).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Bottleneck move_mean (min_count = window): running sum with a count of finite values. */
static void move_mean(const double *x, double *out, long n, int w) {
  double asum = 0;
  long count = 0;
  for (long i = 0; i < n; i++) {
    double ai = x[i];
    if (ai == ai) { asum += ai; count++; }
    if (i >= w) {
      double aold = x[i - w];
      if (aold == aold) { asum -= aold; count--; }
    }
    out[i] = count >= w ? asum / count : NAN;
  }
}

/* Bottleneck move_std (ddof 0, min_count = window): Welford-style running mean and sum of squared deviations. */
static void move_std(const double *x, double *out, long n, int w) {
  double amean = 0, assqdm = 0;
  long count = 0;
  for (long i = 0; i < n; i++) {
    double ai = x[i];
    double aold = i >= w ? x[i - w] : NAN;
    if (ai == ai) {
      if (aold == aold) {
        double delta = ai - aold;
        aold -= amean;
        amean += delta / count;
        ai -= amean;
        assqdm += (ai + aold) * delta;
        if (assqdm < 0) assqdm = 0;
      } else {
        count++;
        double delta = ai - amean;
        amean += delta / count;
        assqdm += delta * (ai - amean);
      }
    } else if (aold == aold) {
      count--;
      if (count > 0) {
        double delta = aold - amean;
        amean -= delta / count;
        assqdm -= delta * (aold - amean);
        if (assqdm < 0) assqdm = 0;
      } else {
        amean = 0;
        assqdm = 0;
      }
    }
    out[i] = count >= w ? sqrt(assqdm / count) : NAN;
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: rolling SERIES BARS WINDOW REPS < doubles\n");
    return 2;
  }
  long s = atol(argv[1]), n = atol(argv[2]);
  int w = atoi(argv[3]), reps = atoi(argv[4]);
  double *x = malloc(sizeof(double) * s * n);
  if (fread(x, sizeof(double), s * n, stdin) != (size_t)(s * n)) {
    fprintf(stderr, "rolling: expected %ld doubles on stdin\n", s * n);
    return 2;
  }
  double *times = malloc(sizeof(double) * reps), *cpu = malloc(sizeof(double) * reps);
  double cm = 0, cs = 0;
  for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
    double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    cm = 0;
    cs = 0;
    for (long k = 0; k < s; k++) {
      double *m = malloc(sizeof(double) * n), *d = malloc(sizeof(double) * n);
      move_mean(x + k * n, m, n, w);
      move_std(x + k * n, d, n, w);
      cm += m[n - 1];
      cs += d[n - 1];
      free(m);
      free(d);
    }
    if (r >= 0) {
      times[r] = clock_ms(CLOCK_MONOTONIC) - t0;
      cpu[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
  }
  qsort(times, reps, sizeof(double), cmp);
  qsort(cpu, reps, sizeof(double), cmp);
  printf("{\"series\":%ld,\"bars\":%ld,\"window\":%d,\"reps\":%d,\"median_ms\":%.3f,\"median_cpu_ms\":%.3f,\"checksum_mean\":%.17g,\"checksum_std\":%.17g}\n",
         s, n, w, reps, times[reps / 2], cpu[reps / 2], cm, cs);
  return 0;
}
