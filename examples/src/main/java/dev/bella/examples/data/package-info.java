/** Data sets for the examples: readers and seeded splits. */
package dev.bella.examples.data;
