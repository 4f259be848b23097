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
package dev.bella.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Zalando's Fashion-MNIST (<a
 * href="https://github.com/zalandoresearch/fashion-mnist">github.com/zalandoresearch/fashion-mnist</a>,
 * MIT licence): 70,000 grey-scale 28x28 images of clothing in 10 classes ({@link #CLASS_NAMES}),
 * 60,000 for training and 10,000 for testing, 6,000 and 1,000 per class, in the {@link Idx} format
 * of MNIST.
 *
 * <p>Getting the data, offline afterwards: on Debian and Ubuntu {@code sudo apt-get install
 * dataset-fashion-mnist} puts the four files, gzip-compressed, in {@link #DEBIAN_DIR} ({@code
 * /usr/share/datasets/fashion-mnist}); or download them from the project's page into any directory.
 * A directory may hold each file plain or compressed ({@code .gz}):
 *
 * <ul>
 *   <li>{@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}: 60,000;
 *   <li>{@code t10k-images-idx3-ubyte[.gz]}, {@code t10k-labels-idx1-ubyte[.gz]}: 10,000.
 * </ul>
 *
 * <p>Pixels are scaled to [0, 1] (value / 255; 0 is the black background), row-major, 784 per
 * image; images and labels keep the files' order. The original MNIST digits come in the same four
 * files and load the same way. Loading both sets takes about 230 MB of heap (float pixels).
 *
 * @param train the 60,000 training images
 * @param test the 10,000 test images
 */
public record FashionMnist(LabeledImages train, LabeledImages test) {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Image side: 28 pixels. */
    public static final int SIDE = 28;

    /** The class names, indexed by label. */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    /**
     * Reads the training and test sets from a directory.
     *
     * @param dir a directory holding the four files, plain or {@code .gz}
     * @return both sets
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is missing or malformed, or its images are not
     *     28x28 (the message names the file)
     */
    public static FashionMnist load(Path dir) throws IOException {
        return new FashionMnist(loadTrain(dir), loadTest(dir));
    }

    /**
     * Reads the 60,000 training images.
     *
     * @param dir a directory holding {@code train-images-idx3-ubyte[.gz]} and {@code
     *     train-labels-idx1-ubyte[.gz]}
     * @return the training set
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static LabeledImages loadTrain(Path dir) throws IOException {
        return read(dir, "train");
    }

    /**
     * Reads the 10,000 test images.
     *
     * @param dir a directory holding {@code t10k-images-idx3-ubyte[.gz]} and {@code
     *     t10k-labels-idx1-ubyte[.gz]}
     * @return the test set
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static LabeledImages loadTest(Path dir) throws IOException {
        return read(dir, "t10k");
    }

    private static LabeledImages read(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        LabeledImages set =
                Idx.read(images, find(dir, prefix + "-labels-idx1-ubyte"), CLASS_NAMES.size());
        if (set.height() != SIDE || set.width() != SIDE) {
            throw new IllegalArgumentException(
                    images
                            + " holds "
                            + set.height()
                            + "x"
                            + set.width()
                            + " images; Fashion-MNIST's are 28x28 (use Idx.read for other IDX"
                            + " data)");
        }
        return set;
    }

    /** Finds {@code name} or {@code name.gz} in the directory. */
    static Path find(Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new IllegalArgumentException(
                "neither "
                        + plain
                        + " nor "
                        + gz
                        + " exists; install Debian's dataset-fashion-mnist package (files in "
                        + DEBIAN_DIR
                        + ") or download the four Fashion-MNIST files into "
                        + dir);
    }
}
