/**
 * Low-rank particles over a frozen pre-trained DJL network: the particle-aware low-rank linear
 * block, wrapping of block trees, batched forward of all particles, merging, and adapter I/O.
 */
package dev.bella.core;
