/** The end-to-end studies behind {@code ./bella demo}: protocol, evaluation and reports. */
package dev.bella.examples.study;
