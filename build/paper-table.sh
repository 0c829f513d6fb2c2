#!/usr/bin/env bash
# The paper's table (issue 5, item 5): every Caffe benchmark we hold weights for and the NuGet ResNet18, calibrated at
# a budget of 0.5 (objectives Operations, the paper's metric, and Time, the default), benchmarked against stock ONNX
# Runtime at 1 and 2 threads; AlexNet and VGG-16 (prototxts only) at their dense speed on random weights. Writes
# docs/results.md through `dyve results`; models and JSON stay in the work folder, outside the repository.
#
#   build/paper-table.sh                         # everything (about an hour on 2 quiet cores)
#   MODELS=cifar10_quick build/paper-table.sh    # a subset: any of cifar10_quick cifar10_full
#                                                #   squeezenet_v1.0_deep_compression resnet18 alexnet vgg16
#
# Environment (defaults in brackets):
#   MODELS [all of the above]  THREADS ["1 2"]  WORK [$TMPDIR/onnxdyve-paper-table]  OUT [docs/results.md]
#   CALIB_IMAGES_CIFAR [2400]  CALIB_IMAGES_SQUEEZENET [200]  CALIB_IMAGES_RESNET [24]   images per calibration
#     (CIFAR's are cheap, and 2,400 hold out the 600 that show a 0.5% budget kept: docs/dynamic-effort.md,
#     "A miss of 1.5 points")
#   TEST_LIMIT_CIFAR [all 10000]  TEST_LIMIT_IMAGENET [all 800]  TEST_LIMIT_RESNET [200]  test images per bench
#   RUNS [200]  RUNS_DENSE [20]  DENSE_LIMIT [8]               timed runs per model; images for the dense models
#   ONNXDYVE_SHARED [../shared]  NUGET_PACKAGES [~/.nuget/packages]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${ONNXDYVE_SHARED:-$ROOT/../shared}
WORK=${WORK:-${TMPDIR:-/tmp}/onnxdyve-paper-table}
OUT=${OUT:-$ROOT/docs/results.md}
MODELS=${MODELS:-"cifar10_quick cifar10_full squeezenet_v1.0_deep_compression resnet18 alexnet vgg16"}
THREADS=${THREADS:-"1 2"}
CALIB_IMAGES_CIFAR=${CALIB_IMAGES_CIFAR:-2400}
CALIB_IMAGES_SQUEEZENET=${CALIB_IMAGES_SQUEEZENET:-200}
CALIB_IMAGES_RESNET=${CALIB_IMAGES_RESNET:-24}
TEST_LIMIT_CIFAR=${TEST_LIMIT_CIFAR:-}
TEST_LIMIT_IMAGENET=${TEST_LIMIT_IMAGENET:-}
TEST_LIMIT_RESNET=${TEST_LIMIT_RESNET:-200}
RUNS=${RUNS:-200}
RUNS_DENSE=${RUNS_DENSE:-20}
DENSE_LIMIT=${DENSE_LIMIT:-8}
RESNET_PACKAGE=${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels
IMAGENET=$SHARED/data/imagenet
CALIB_THREADS=$(nproc)

JSON=$WORK/json
rm -rf "$JSON"
mkdir -p "$WORK" "$JSON"
export ONNXDYVE_SHARED=$SHARED ONNXDYVE_CACHE=${ONNXDYVE_CACHE:-$WORK/cache}
log() { printf '\n== %s: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
limit() { [[ -n $1 ]] && printf -- '--limit %s' "$1"; true; }

# The tool, built once and copied so that a rebuild elsewhere in the tree cannot change it mid-run.
log "building dyve"
dotnet build "$ROOT/src/OnnxDyVE.Cli" -c Release -v quiet -nologo >&2
rm -rf "$WORK/bin" && cp -r "$ROOT/src/OnnxDyVE.Cli/bin/Release/net10.0" "$WORK/bin"
DYVE=$WORK/bin/dyve

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%s)
NOTES=()

# calibrate_and_bench NAME MODEL CALIBDATA TESTDATA CALIB_IMAGES TEST_LIMIT [features]
# MODEL is a catalogue name or an .onnx file. Operations is calibrated once (it counts operations: the thread count
# does not change what it chooses, so it runs on all cores); Time per thread count, since it measures time there.
calibrate_and_bench() {
    local name=$1 model=$2 calib=$3 test=$4 images=$5 test_limit=$6 features=${7:-}
    local data=()
    [[ -n $calib ]] && data=(--data "$calib")
    log "$name: calibrating, objective Operations, $images images"
    "$DYVE" calibrate "$model" "${data[@]}" --budget 0.5 --images "$images" --objective Operations --threads "$CALIB_THREADS" \
        -o "$WORK/$name.operations.onnx" >"$WORK/$name.operations.calibrate.log"
    local t variant calibrated
    for t in $THREADS; do
        log "$name: calibrating, objective Time, $t thread(s), $images images"
        "$DYVE" calibrate "$model" "${data[@]}" --budget 0.5 --images "$images" --objective Time --threads "$t" \
            -o "$WORK/$name.time.t$t.onnx" >"$WORK/$name.time.t$t.calibrate.log"
    done
    for t in $THREADS; do
        for variant in operations time; do
            calibrated=$WORK/$name.$variant.onnx
            [[ $variant == time ]] && calibrated=$WORK/$name.time.t$t.onnx
            log "$name: bench, $variant-calibrated, $t thread(s)"
            # shellcheck disable=SC2046
            "$DYVE" bench --dyve "$calibrated" --data "$test" --threads "$t" --runs "$RUNS" $(limit "$test_limit") \
                --json "$JSON/${name}__t${t}__$variant.bench.json" >"$WORK/$name.$variant.t$t.bench.log"
            if [[ -n $features ]]; then
                # shellcheck disable=SC2046
                "$DYVE" features --dyve "$calibrated" --data "$test" --threads "$t" $(limit "$test_limit") \
                    --json "$JSON/${name}__t${t}__$variant.features.json" >&2
            fi
        done
    done
}

# An image folder whose labels are all 0, for ResNet18: a feature extractor has 512 outputs and no classes, so
# ImageNet's labels (up to 999) mean nothing to it; its rows report top-feature agreement and cosine similarity.
unlabelled() {
    local source=$1 folder=$2
    mkdir -p "$folder"
    ln -sfn "$source" "$folder/images"
    awk 'NF { print "images/" $1 " 0" }' "$source/labels.txt" >"$folder/labels.txt"
}

# dense NAME PROTOTXT: random weights, rewritten to DyVE in exact mode (effort 0), against stock.
dense() {
    local name=$1 prototxt=$2 t
    log "$name: converting with random weights"
    "$DYVE" convert caffe --prototxt "$prototxt" --random-weights --seed 1 --channel-order bgr --mean-values 104,117,123 \
        -o "$WORK/$name.random.onnx" >&2
    for t in $THREADS; do
        log "$name: bench (exact, random weights), $t thread(s)"
        "$DYVE" bench "$WORK/$name.random.onnx" --data "$IMAGENET/val_test" --threads "$t" --runs "$RUNS_DENSE" --limit "$DENSE_LIMIT" \
            --json "$JSON/${name}__t${t}__dense.bench.json" >"$WORK/$name.t$t.bench.log"
    done
}

for model in $MODELS; do
    case $model in
        cifar10_quick | cifar10_full)
            calibrate_and_bench "$model" "$model" "" "$SHARED/data/cifar10/test" "$CALIB_IMAGES_CIFAR" "$TEST_LIMIT_CIFAR"
            NOTES+=("- $model: calibrated on $CALIB_IMAGES_CIFAR images of data/cifar10/calib (a seeded choice), measured on ${TEST_LIMIT_CIFAR:-all 10,000} images of data/cifar10/test.")
            ;;
        squeezenet_v1.0_deep_compression)
            calibrate_and_bench "$model" "$model" "" "$IMAGENET/val_test" "$CALIB_IMAGES_SQUEEZENET" "$TEST_LIMIT_IMAGENET"
            NOTES+=("- $model: calibrated on **$CALIB_IMAGES_SQUEEZENET** of the 500 images of data/imagenet/val_calib (\`--images $CALIB_IMAGES_SQUEEZENET\`, to bound the run time: calibration runs one pass over its images per layer and threshold), measured on ${TEST_LIMIT_IMAGENET:-all 800} images of data/imagenet/val_test.")
            ;;
        resnet18)
            [[ -f $RESNET_PACKAGE/ResNet18Onnx/ResNet18.onnx ]] || { echo "ResNet18 not found under $RESNET_PACKAGE: restore the tests (dotnet restore OnnxDyVE.sln)" >&2; exit 1; }
            log "resnet18: the ML.NET featurizer with its preprocessing recorded, rewritten to DyVE"
            "$DYVE" convert mlnet-featurizer --model "$RESNET_PACKAGE/ResNet18Onnx/ResNet18.onnx" \
                --preprocess "$RESNET_PACKAGE/ResNetPrepOnnx/ResNetPreprocess.onnx" --resize 224 -o "$WORK/resnet18.onnx" >&2
            "$DYVE" rewrite "$WORK/resnet18.onnx" -o "$WORK/resnet18.dyve.onnx" >"$WORK/resnet18.rewrite.log"
            unlabelled "$IMAGENET/val_calib" "$WORK/resnet18-calib"
            unlabelled "$IMAGENET/val_test" "$WORK/resnet18-test"
            calibrate_and_bench resnet18 "$WORK/resnet18.dyve.onnx" "$WORK/resnet18-calib" "$WORK/resnet18-test" \
                "$CALIB_IMAGES_RESNET" "$TEST_LIMIT_RESNET" features
            NOTES+=("- resnet18: ResNet18.onnx of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (a CNTK export, IR 3; the rewriter raises it to IR 4 so that its effort can be fed), 512 features and no classes: top-1 does not apply; agreement is that of the top feature (the largest output's index), with the cosine similarity of the feature vectors. Input as ML.NET prepares it (\`dyve convert mlnet-featurizer\`): images resized to 224 x 224, BGR, 0-255, minus the mean image of the package's ResNetPreprocess.onnx. Calibrated on **$CALIB_IMAGES_RESNET** images of data/imagenet/val_calib (\`--images\`, to bound the run time), measured on the first $TEST_LIMIT_RESNET images of data/imagenet/val_test.")
            ;;
        alexnet)
            dense alexnet "$SHARED/models/caffe/architectures/bvlc_alexnet_deploy.prototxt"
            NOTES+=("- alexnet: architectures/bvlc_alexnet_deploy.prototxt with seeded random weights; $RUNS_DENSE timed runs per model.")
            ;;
        vgg16)
            dense vgg16 "$SHARED/models/caffe/architectures/vgg16_deploy.prototxt"
            NOTES+=("- vgg16: architectures/vgg16_deploy.prototxt with seeded random weights; $RUNS_DENSE timed runs per model.")
            ;;
        *) echo "unknown model '$model'" >&2; exit 2 ;;
    esac
done

END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
MINUTES=$(( ($(date -u +%s) - START + 59) / 60 ))
{
    printf '%s\n' "${NOTES[@]}"
    echo "- Calibration: \`dyve calibrate --budget 0.5\`; Operations calibrated once on all $CALIB_THREADS cores (it counts operations, so threads do not change its choice), Time at each thread count it is measured at. $RUNS timed runs per model and thread count (interleaved, after a warm-up of at least 5 runs that lasts until .NET's JIT has compiled nothing for 0.3 s)."
    echo "- Load average (1, 5, 15 min) at the start: $START_LOAD; at the end: $END_LOAD on $(nproc) cores. The whole script took $MINUTES min."
    if awk -v a="$START_LOAD" -v b="$END_LOAD" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] > n / 2 || y[1] > n / 2) }'; then
        echo "- **The machine was shared with other work during this run** (load above half its cores): the timings are indicative, the accuracies, agreements and op counts are not affected."
    fi
} >"$JSON/notes.md"

log "writing $OUT"
"$DYVE" results --json-dir "$JSON" -o "$OUT"
