/**
 * Engine-free readers of tensor files: {@link dev.bella.core.io.SafetensorsFile} parses and
 * validates a safetensors header and reads one tensor at a time as float32 (F32, F16, BF16, F64,
 * converted by {@link dev.bella.core.io.HalfFloats}); {@link dev.bella.core.io.TensorSource} is the
 * interface that model loaders read through.
 */
package dev.bella.core.io;
