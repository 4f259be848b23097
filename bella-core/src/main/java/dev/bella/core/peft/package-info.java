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
 * Hugging Face PEFT LoRA adapters in and out: {@link dev.bella.core.peft.PeftConfig} (PEFT's {@code
 * adapter_config.json}), {@link dev.bella.core.peft.PeftAdapter} (a PEFT adapter folder read and
 * written in PEFT's layout), {@link dev.bella.core.peft.PeftNameMap} (PEFT module paths to Bella
 * layer paths) and {@link dev.bella.core.peft.PeftAdapters} (PEFT adapters as particles and
 * particles or their soup as PEFT adapters). See docs/peft.md.
 */
package dev.bella.core.peft;
