/** Ensemble Bella (independently trained particles), soups and full-rank baselines. */
package dev.bella.ensemble;
