/*
 * onnxdyve_host: a plain C ONNX Runtime host that loads libonnxdyve.so through the C API and checks it.
 *
 *   onnxdyve_host --library PATH/libonnxdyve.so --models DIR [--expect-simd NAME] [--threads N]
 *
 * DIR holds cases.txt and, per case, CASE.onnx (stock operators) and CASE.dyve.onnx (its DyVE rewrite), as
 * native/test/models writes them. For each case the host runs both on the same seeded input, in separate
 * sessions, and requires the DyVE output to match stock ORT's within a relative error of 1e-4 (the largest
 * difference over the largest stock magnitude). Further checks: the rewritten model does not load without the
 * library; a released session and options leave the library usable; the kernels run the expected SIMD path.
 * Prints "PASS name" or "FAIL name: why" per check, then "host: N passed, M failed"; exits 1 on any failure.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnxruntime_c_api.h"
#include "onnxdyve.h"

#define RELATIVE_TOLERANCE 1e-4

static const OrtApi* g_ort;
static int g_passed, g_failed;

static void pass(const char* check) {
  printf("PASS %s\n", check);
  g_passed++;
}

static void fail(const char* check, const char* why) {
  printf("FAIL %s: %s\n", check, why);
  g_failed++;
}

/* Frees status; returns its message in buffer (empty for success) and whether it was an error. */
static int take_error(OrtStatus* status, char* buffer, size_t size) {
  buffer[0] = '\0';
  if (status == NULL) return 0;
  snprintf(buffer, size, "%s", g_ort->GetErrorMessage(status));
  g_ort->ReleaseStatus(status);
  return 1;
}

/* Aborts the host on a failure of the plumbing itself (not of the library under test). */
static void check_or_die(OrtStatus* status, const char* what) {
  char message[1024];
  if (take_error(status, message, sizeof message)) {
    fprintf(stderr, "host: %s failed: %s\n", what, message);
    printf("FAIL host-setup: %s\n", what);
    printf("host: %d passed, %d failed\n", g_passed, g_failed + 1);
    exit(1);
  }
}

static OrtSessionOptions* new_options(int threads, const char* library) {
  OrtSessionOptions* options;
  check_or_die(g_ort->CreateSessionOptions(&options), "CreateSessionOptions");
  check_or_die(g_ort->SetIntraOpNumThreads(options, threads), "SetIntraOpNumThreads");
  check_or_die(g_ort->SetInterOpNumThreads(options, 1), "SetInterOpNumThreads");
  if (library != NULL) check_or_die(g_ort->RegisterCustomOpsLibrary_V2(options, library), "RegisterCustomOpsLibrary_V2");
  return options;
}

/* A deterministic input in [-1, 1): negative values make ReLU outputs zero, as in real networks. */
static void fill_input(float* data, size_t count, uint32_t seed) {
  uint32_t state = seed * 2654435761u + 1u;
  for (size_t i = 0; i < count; i++) {
    state = state * 1664525u + 1013904223u;
    data[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
  }
}

typedef struct {
  float* data;
  size_t count;
  int64_t shape[8];
  size_t rank;
} Output;

/*
 * Runs a model's first output on a seeded input for its first input. Returns 0 on success; else an error
 * message in why. The input's shape comes from the model (every case has fixed shapes).
 */
static int run_model(OrtEnv* env, const char* path, OrtSessionOptions* options, uint32_t seed, Output* out,
                     char* why, size_t why_size) {
  OrtSession* session = NULL;
  OrtTypeInfo* type_info = NULL;
  OrtValue* input = NULL;
  OrtValue* output = NULL;
  OrtMemoryInfo* memory = NULL;
  OrtAllocator* allocator = NULL;
  char* input_name = NULL;
  char* output_name = NULL;
  float* input_data = NULL;
  int result = 1;
  memset(out, 0, sizeof *out);

  if (take_error(g_ort->CreateSession(env, path, options, &session), why, why_size)) goto done;
  check_or_die(g_ort->GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
  check_or_die(g_ort->SessionGetInputName(session, 0, allocator, &input_name), "SessionGetInputName");
  check_or_die(g_ort->SessionGetOutputName(session, 0, allocator, &output_name), "SessionGetOutputName");
  check_or_die(g_ort->SessionGetInputTypeInfo(session, 0, &type_info), "SessionGetInputTypeInfo");
  const OrtTensorTypeAndShapeInfo* tensor_info;
  check_or_die(g_ort->CastTypeInfoToTensorInfo(type_info, &tensor_info), "CastTypeInfoToTensorInfo");
  size_t rank;
  int64_t shape[8];
  check_or_die(g_ort->GetDimensionsCount(tensor_info, &rank), "GetDimensionsCount");
  if (rank > 8) {
    snprintf(why, why_size, "input rank %zu", rank);
    goto done;
  }
  check_or_die(g_ort->GetDimensions(tensor_info, shape, rank), "GetDimensions");
  size_t count = 1;
  for (size_t i = 0; i < rank; i++) count *= (size_t)shape[i];
  input_data = malloc(count * sizeof(float));
  fill_input(input_data, count, seed);
  check_or_die(g_ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory), "CreateCpuMemoryInfo");
  check_or_die(g_ort->CreateTensorWithDataAsOrtValue(memory, input_data, count * sizeof(float), shape, rank,
                                                     ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &input),
               "CreateTensorWithDataAsOrtValue");

  const char* input_names[] = {input_name};
  const char* output_names[] = {output_name};
  if (take_error(g_ort->Run(session, NULL, input_names, (const OrtValue* const*)&input, 1, output_names, 1, &output),
                 why, why_size))
    goto done;

  OrtTensorTypeAndShapeInfo* output_info;
  check_or_die(g_ort->GetTensorTypeAndShape(output, &output_info), "GetTensorTypeAndShape");
  check_or_die(g_ort->GetDimensionsCount(output_info, &out->rank), "GetDimensionsCount");
  check_or_die(g_ort->GetDimensions(output_info, out->shape, out->rank < 8 ? out->rank : 8), "GetDimensions");
  check_or_die(g_ort->GetTensorShapeElementCount(output_info, &out->count), "GetTensorShapeElementCount");
  g_ort->ReleaseTensorTypeAndShapeInfo(output_info);
  float* data;
  check_or_die(g_ort->GetTensorMutableData(output, (void**)&data), "GetTensorMutableData");
  out->data = malloc(out->count * sizeof(float));
  memcpy(out->data, data, out->count * sizeof(float));
  result = 0;

done:
  if (output) g_ort->ReleaseValue(output);
  if (input) g_ort->ReleaseValue(input);
  if (memory) g_ort->ReleaseMemoryInfo(memory);
  if (type_info) g_ort->ReleaseTypeInfo(type_info);
  if (input_name) allocator->Free(allocator, input_name);
  if (output_name) allocator->Free(allocator, output_name);
  if (session) g_ort->ReleaseSession(session);
  free(input_data);
  return result;
}

/* The DyVE model against the stock one: same shape, max |dyve - stock| <= 1e-4 * max |stock|. */
static void compare_case(OrtEnv* env, const char* dir, const char* name, const char* library, int threads) {
  char stock_path[4096], dyve_path[4096], check[512], why[2048];
  snprintf(stock_path, sizeof stock_path, "%s/%s.onnx", dir, name);
  snprintf(dyve_path, sizeof dyve_path, "%s/%s.dyve.onnx", dir, name);
  snprintf(check, sizeof check, "%s matches stock ORT", name);
  Output stock, dyve;
  uint32_t seed = (uint32_t)strlen(name) * 7919u;

  OrtSessionOptions* stock_options = new_options(threads, NULL);
  int stock_failed = run_model(env, stock_path, stock_options, seed, &stock, why, sizeof why);
  g_ort->ReleaseSessionOptions(stock_options);
  if (stock_failed) {
    fail(check, why);
    return;
  }
  OrtSessionOptions* dyve_options = new_options(threads, library);
  int dyve_failed = run_model(env, dyve_path, dyve_options, seed, &dyve, why, sizeof why);
  g_ort->ReleaseSessionOptions(dyve_options);
  if (dyve_failed) {
    fail(check, why);
    free(stock.data);
    return;
  }

  if (stock.count != dyve.count || stock.rank != dyve.rank) {
    snprintf(why, sizeof why, "output has %zu values (rank %zu), stock %zu (rank %zu)", dyve.count, dyve.rank,
             stock.count, stock.rank);
    fail(check, why);
  } else {
    double max_difference = 0, max_magnitude = 0;
    size_t worst = 0;
    for (size_t i = 0; i < stock.count; i++) {
      double difference = fabs((double)dyve.data[i] - (double)stock.data[i]);
      if (!(difference <= max_difference)) {  /* NaN counts as the worst */
        max_difference = isnan(difference) ? INFINITY : difference;
        worst = i;
      }
      if (fabs(stock.data[i]) > max_magnitude) max_magnitude = fabs(stock.data[i]);
    }
    double relative = max_magnitude > 0 ? max_difference / max_magnitude : max_difference;
    if (relative <= RELATIVE_TOLERANCE && max_magnitude > 0) {
      snprintf(check, sizeof check, "%s matches stock ORT (%zu values, relative error %.2e)", name, stock.count,
               relative);
      pass(check);
    } else {
      snprintf(why, sizeof why, "relative error %.3e (at %zu: dyve %.9g, stock %.9g; max |stock| %.6g)", relative,
               worst, dyve.data[worst], stock.data[worst], max_magnitude);
      fail(check, why);
    }
  }
  free(stock.data);
  free(dyve.data);
}

/* Without the library ORT must refuse the rewritten model: the DyVE operators really come from it. */
static void check_needs_library(OrtEnv* env, const char* dir, const char* name) {
  char path[4096], why[2048];
  snprintf(path, sizeof path, "%s/%s.dyve.onnx", dir, name);
  OrtSessionOptions* options = new_options(1, NULL);
  OrtSession* session = NULL;
  int refused = take_error(g_ort->CreateSession(env, path, options, &session), why, sizeof why);
  if (session) g_ort->ReleaseSession(session);
  g_ort->ReleaseSessionOptions(options);
  if (refused && strstr(why, "ai.onnxdyve") != NULL)
    pass("a DyVE model needs the library (ORT names the domain)");
  else
    fail("a DyVE model needs the library (ORT names the domain)", refused ? why : "the session was created");
}

/* The library reports the SIMD path it runs; with --expect-simd, it must be that one. */
static void check_simd_path(const char* library, const char* expected) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (handle == NULL) handle = dlopen(library, RTLD_NOW);
  const char* (*simd_path)(void) = handle ? (const char* (*)(void))dlsym(handle, "OnnxDyVE_SimdPath") : NULL;
  char check[256], why[256];
  if (simd_path == NULL) {
    fail("OnnxDyVE_SimdPath is exported", dlerror());
    return;
  }
  const char* path = simd_path();
  printf("library SIMD path: %s\n", path);
  if (expected == NULL) return;
  snprintf(check, sizeof check, "kernels run the %s path", expected);
  if (strcmp(path, expected) == 0) {
    pass(check);
  } else {
    snprintf(why, sizeof why, "they run %s", path);
    fail(check, why);
  }
}

int main(int argc, char** argv) {
  const char* library = NULL;
  const char* models = NULL;
  const char* expected_simd = NULL;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--library") == 0) library = argv[i + 1];
    else if (strcmp(argv[i], "--models") == 0) models = argv[i + 1];
    else if (strcmp(argv[i], "--expect-simd") == 0) expected_simd = argv[i + 1];
    else if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
  }
  if (library == NULL || models == NULL || threads < 1) {
    fprintf(stderr, "usage: %s --library PATH/libonnxdyve.so --models DIR [--expect-simd NAME] [--threads N]\n",
            argv[0]);
    return 2;
  }

  const OrtApiBase* base = OrtGetApiBase();
  g_ort = base->GetApi(ORT_API_VERSION);
  if (g_ort == NULL) {
    fprintf(stderr, "host: ONNX Runtime %s does not serve API version %d\n", base->GetVersionString(), ORT_API_VERSION);
    return 1;
  }
  printf("ONNX Runtime %s, library %s\n", base->GetVersionString(), library);
  OrtEnv* env;
  check_or_die(g_ort->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "onnxdyve_host", &env), "CreateEnv");

  char list_path[4096], name[256];
  snprintf(list_path, sizeof list_path, "%s/cases.txt", models);
  FILE* list = fopen(list_path, "r");
  if (list == NULL) {
    fprintf(stderr, "host: cannot read %s\n", list_path);
    return 2;
  }
  int cases = 0;
  while (fgets(name, sizeof name, list) != NULL) {
    name[strcspn(name, "\r\n")] = '\0';
    if (name[0] == '\0') continue;
    compare_case(env, models, name, library, threads);
    cases++;
  }
  fclose(list);
  if (cases == 0) fail("cases.txt lists cases", list_path);
  else {
    /* Every case released its session and options, so ORT has dlclosed the library each time; it stays
       mapped (-z nodelete) and the next registration finds it working: run the first case once more. */
    rewind(list = fopen(list_path, "r"));
    if (fgets(name, sizeof name, list) != NULL) {
      name[strcspn(name, "\r\n")] = '\0';
      check_needs_library(env, models, name);
      compare_case(env, models, name, library, threads);
    }
    fclose(list);
  }
  check_simd_path(library, expected_simd);

  g_ort->ReleaseEnv(env);
  printf("host: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
