/*
 * Copyright 2026 The Bella developers
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
 * in compliance with the License. You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software distributed under the License
 * is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
 * or implied. See the License for the specific language governing permissions and limitations under
 * the License.
 */
package dev.bella.examples.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The study's method registry and the parsing of {@code --methods}. */
class StudyMethodsTest {

    @Test
    void defaultAndAllAreTheRegisteredMethodsInOrder() {
        assertThat(StudyMethods.parse(StudyMethods.DEFAULT))
                .containsExactly("single", "ensemble", "svgd", "full-ensemble");
        // `all` is every registered method but the Dirichlet student, which trains its teacher
        // again and is asked for by name.
        assertThat(StudyMethods.ids()).contains(StudyMethods.DISTILLED);
        assertThat(StudyMethods.parse("all"))
                .isEqualTo(
                        StudyMethods.ids().stream()
                                .filter(id -> !id.equals(StudyMethods.DISTILLED))
                                .toList());
        assertThat(StudyMethods.parse("distilled")).containsExactly("distilled");
        assertThat(StudyMethods.parse(" svgd , ensemble,svgd")).containsExactly("svgd", "ensemble");
    }

    @Test
    void unknownIdsAreRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> StudyMethods.parse("svgd,laplace-kfac"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'laplace-kfac'")
                .hasMessageContaining("single, ensemble, svgd, full-ensemble");
        assertThatThrownBy(() -> StudyMethods.parse(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty entry");
    }

    @Test
    void jsonStdIsTheSampleStandardDeviation() {
        assertThat(StudyJson.sampleStd(new double[] {1, 3})).isEqualTo(Math.sqrt(2));
        assertThat(StudyJson.sampleStd(new double[] {5})).isZero();
        assertThat(StudyJson.epsilonKey(0.001)).isEqualTo("0.001");
        assertThat(StudyJson.epsilonKey(0.03)).isEqualTo("0.03");
    }
}
