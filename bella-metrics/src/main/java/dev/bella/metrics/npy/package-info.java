/**
 * Reading and writing NumPy {@code .npy} files in pure Java, so that probabilities, labels and
 * flags saved from Python can be scored without an engine.
 */
package dev.bella.metrics.npy;
