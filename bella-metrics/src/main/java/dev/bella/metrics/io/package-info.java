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
/**
 * Files that must never be half-written or silently wrong: {@link dev.bella.metrics.io.AtomicFiles}
 * (write to a temporary file, fsync, rename, fsync the directory) for every file Bella saves;
 * {@link dev.bella.metrics.io.ContainedFile} (a manifest's file name resolved inside its directory,
 * a regular file of the recorded size, checked before opening, then its SHA-256 from {@link
 * dev.bella.metrics.io.FileIntegrity}) for every file it reads back; {@link
 * dev.bella.metrics.io.SafetensorsHeader}, the one validated safetensors parser (header, dtypes,
 * shapes, offsets; tensors decoded in Java, never by DJL's native decoder), used by the adapter
 * store, the optimizer state and the CLIP loader; {@link dev.bella.metrics.io.BoundedText} keeps
 * values taken from files short in messages.
 *
 * <p>Pure Java (JDK and Gson), so it lives in the module every other module depends on;
 * bella-core's adapter store and checkpoints, bella-clip's checkpoint loaders and the command line
 * use it.
 */
package dev.bella.metrics.io;
