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
package dev.bella.core.testing;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The device the device-aware tests run on: {@code -Dbella.test.device=gpu} (or {@code gpu1},
 * {@code cpu}) on the Maven command line, else the engine's default device. The same suite then
 * runs on a GPU machine.
 */
public final class TestDevices {

    /** The system property naming the device: {@value}. */
    public static final String PROPERTY = "bella.test.device";

    private TestDevices() {}

    /**
     * Returns the device to test on.
     *
     * @return the device named by {@value #PROPERTY}, or the engine's default
     */
    public static Device device() {
        String name = System.getProperty(PROPERTY);
        if (name == null || name.isBlank()) {
            return Engine.getInstance().defaultDevice();
        }
        return Device.fromName(name.strip());
    }
}
