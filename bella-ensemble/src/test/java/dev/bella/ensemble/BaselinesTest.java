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
package dev.bella.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.TrainingFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BaselinesTest {

    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = TrainingFixtures.classifier(manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void fullRankBaselineCopiesEveryLinearLayer() {
        BellaConfig c = Baselines.fullRank(base, 4, 1, 0.01);
        assertThat(c.getFullRankTargets()).containsExactly("0", "2");
        try (ParticleBlock p = Bella.wrap(base, c)) {
            // 8 -> 16 with bias, 16 -> 3 with bias, counted by hand.
            assertThat(p.summary().trainablePerParticle()).isEqualTo(8 * 16 + 16 + 16 * 3 + 3);
            assertThat(p.summary().frozen()).isZero();
            assertThat(p.getLayers(FullRankLinear.class)).containsOnlyKeys("0", "2");
        }
        assertThatThrownBy(() -> Baselines.fullRank(new SequentialBlock(), 2, 0, 0))
                .hasMessageContaining("no Linear layer");
    }
}
