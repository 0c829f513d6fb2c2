/*
 * onnxdyve.h - the C interface of libonnxdyve.so, OnnxDyVE's custom operators for ONNX Runtime.
 *
 * libonnxdyve.so is a NativeAOT build of the same C# operators that .NET apps register in-process with
 * SessionOptions.AppendDyVE(). Any ONNX Runtime host (1.17 or newer) loads it as a custom-op library:
 *
 *   C:       OrtApi::RegisterCustomOpsLibrary_V2(options, "libonnxdyve.so")
 *   C++:     Ort::SessionOptions::RegisterCustomOpsLibrary("libonnxdyve.so")
 *   Python:  onnxruntime.SessionOptions().register_custom_ops_library("libonnxdyve.so")
 *   .NET:    SessionOptions.RegisterCustomOpLibrary("libonnxdyve.so")
 *   Triton:  model_operations { op_library_filename: "/path/libonnxdyve.so" } in config.pbtxt
 *
 * ORT finds the entry point below by name; a host rarely calls it itself. The library stays mapped once
 * loaded (linked with -z nodelete): its runtime's threads must outlive ORT's dlclose.
 *
 * Operators (domain "ai.onnxdyve", opset 1; float32; CPU execution provider):
 *
 *   DyveConv(X, W, B?) -> Y   X: N x C x H x W; W (constant initializer): M x C/group x kH x kW;
 *                             B (optional, constant): M. Attributes as ONNX Conv (2-D): auto_pad, dilations,
 *                             group, kernel_shape, pads, strides; plus activation = "none" | "relu" |
 *                             "leaky_relu" (activation_alpha) | "clip" (activation_min, activation_max), and
 *                             skip_zero_maps (default 1: input channels that are zero everywhere are skipped;
 *                             the output is bit-identical).
 *   DyveGemm(A, B, C?) -> Y   As ONNX Gemm: alpha, beta, transA, transB; B constant; the same activation
 *                             attributes; skip_zero_inputs (default 1: inputs zero in every row are skipped).
 *
 * Models get these operators from `dyve rewrite model.onnx -o model.dyve.onnx`. A bad model, attribute or
 * input fails session creation or Run with an ORT error that names the node and the problem.
 *
 * The vector width is fixed when the library is built (NativeAOT compiles for one instruction-set level, and
 * a build refuses to start on a CPU below it): build/native-lib.sh makes linux-x64 (x86-64-v3, AVX2 + FMA:
 * Vector256), linux-x64-avx512 (x86-64-v4: Vector512) and linux-arm64 (AdvSimd/NEON: Vector128).
 * OnnxDyVE_SimdPath() tells which one runs.
 */
#ifndef ONNXDYVE_H
#define ONNXDYVE_H

#ifdef __cplusplus
extern "C" {
#endif

/* From onnxruntime_c_api.h; declared here opaque so this header stands alone. */
struct OrtStatus;
struct OrtSessionOptions;
struct OrtApiBase;

/*
 * Adds the domain ai.onnxdyve (DyveConv, DyveGemm) to options. Returns NULL on success, else an OrtStatus
 * made with the host's own API (the caller releases it), e.g. when the host's ORT is older than 1.17. Safe to
 * call for any number of session options; the operators bind to the ORT of the first call for the life of
 * the process.
 */
struct OrtStatus* RegisterCustomOps(struct OrtSessionOptions* options, const struct OrtApiBase* api);

/*
 * The vector width the kernels run with in this process: "Vector512", "Vector256", "Vector128" or
 * "Scalar". A static string; never NULL.
 */
const char* OnnxDyVE_SimdPath(void);

#ifdef __cplusplus
}
#endif

#endif /* ONNXDYVE_H */
