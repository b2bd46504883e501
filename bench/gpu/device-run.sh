#!/usr/bin/env bash
# The GPU run, on a machine that can fetch nothing (the device tool's H200): unpacks the Node.js
# binary, Dawn and the Vulkan loader that bench/gpu/prepare.mjs packed into .gpu/, then runs the
# benchmarks on the webgpu backend (Dawn on the NVIDIA Vulkan driver), one stage at a time with
# its own time limit, so that one failing stage does not cost the others. Writes to $OUT (or
# ./gpu-out): gpu-log.txt (everything), gpu-results.jsonl (one JSON line per case), probe.txt.
#   bash bench/gpu/device-run.sh [STAGE...]   (stages: probe parity forward train anchors demo; default all)
# BUDGET (seconds, default 540) caps the whole run: a stage gets what is left, or is skipped.
# A dry run here on SwiftShader: MODEL=tiny SIZES=64 BATCHES=1,2 TRAIN_SIZE=64 bash bench/gpu/device-run.sh
set -u
G=.gpu
O=${OUT:-gpu-out}
mkdir -p "$O"
RES=$O/gpu-results.jsonl
exec > >(tee -a "$O/gpu-log.txt") 2>&1
STAGES=${*:-probe forward parity train anchors demo}
BUDGET=${BUDGET:-540}
MODEL=${MODEL:-ViT-L-14-336}
SIZES=${SIZES:-336,518}
BATCHES=${BATCHES:-1,8}
TRAIN_SIZE=${TRAIN_SIZE:-518}
T0=$(date +%s)
echo "== device-run $(date -u +%FT%TZ) stages: $STAGES"

# unpack (Python's lzma: xz may be missing there)
mkdir -p /tmp/gpu
python3 - <<'EOF'
import lzma, os, shutil
for src, dst in [('.gpu/node.xz', '/tmp/gpu/node'), ('.gpu/dawn.node.xz', '.gpu/bundle/node_modules/webgpu/dist/linux-x64/dawn.node')]:
    with lzma.open(src) as f, open(dst, 'wb') as g:
        shutil.copyfileobj(f, g)
    os.chmod(dst, 0o755)
EOF
NODE=/tmp/gpu/node
# the Vulkan loader and GL dispatch libraries: the image has libvulkan.so.1 but not libglvnd's
# libGLdispatch.so.0, without which NVIDIA's Vulkan driver (libGLX_nvidia.so.0) does not load
# ("Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'", seen there)
for f in $G/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
# the NVIDIA Vulkan driver's manifest (the driver folder is mounted read-only)
for c in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$c" ]; then export VK_DRIVER_FILES=$c VK_ICD_FILENAMES=$c; break; fi
done
echo "node $($NODE --version), VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-none}"

stage() { # stage NAME SECONDS SCRIPT ARGS...
  local name=$1 secs=$2
  shift 2
  local left=$((BUDGET - ($(date +%s) - T0)))
  if [ "$left" -lt 20 ]; then echo "== $name: skipped (${left}s of the budget left)"; return; fi
  [ "$secs" -gt "$left" ] && secs=$left
  echo "== $name (limit ${secs}s, at $(($(date +%s) - T0))s)"
  local t=$(date +%s)
  timeout -k 5 "$secs" "$NODE" --expose-gc --max-old-space-size=16384 $G/bundle/entry.mjs "$@" --backend webgpu > "$O/stage.out"
  local rc=$?
  cat "$O/stage.out"
  grep '^{' "$O/stage.out" | sed "s/^{/{\"stage\":\"$name\",/" >> "$RES"
  echo "== $name: exit $rc after $(($(date +%s) - t))s"
}
want() { case " $STAGES " in *" $1 "*) return 0 ;; esac; return 1; }

if want probe; then
  {
    echo "-- nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
    echo "-- Vulkan manifests"; ls -la /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
    echo "-- libraries tfjs-node-gpu 4.22 would need (libtensorflow 2.9.1 built for CUDA 11.2 + cuDNN 8.1)"
    ldconfig -p | grep -E 'libvulkan|libcudart|libcudnn|libcublas|libtensorflow' 2>&1
    find / -xdev \( -name 'libtensorflow*.so*' -o -name 'libcudart.so.11*' -o -name 'libcudnn.so.8*' -o -name 'libcudnn.so.9*' -o -name 'libcudart.so.1[23]*' \) 2>/dev/null | head -20
    echo "-- CUDA toolkit"; ls -d /usr/local/cuda* 2>&1; nvcc --version 2>&1 | tail -1
    echo "-- node in the image"; command -v node nodejs 2>&1
  } > "$O/probe.txt" 2>&1
  cat "$O/probe.txt"
fi
# the forward first: the figures the issue asks for (weights made once per process)
want forward && stage forward 170 vision-forward --model "$MODEL" --aaclip --size "$SIZES" --batch "$BATCHES" --repeat 3
want parity && stage parity 90 parity --fixture $G/fixture
want train && stage train 110 train-step --model "$MODEL" --size "$TRAIN_SIZE" --batch 2 --steps 3 --checkpoint false
want anchors && stage anchors 40 text-anchors --model "$MODEL" --repeat 3
want demo && stage demo 40 demo-throughput --images 64 --workers 0 --model $G/demo.safetensors
want forward && stage forward-per-head 60 vision-forward --model "$MODEL" --aaclip --size "${SIZES%%,*}" --batch 1 --repeat 2 --attention per-head
want train && stage train-checkpointed 60 train-step --model "$MODEL" --size "$TRAIN_SIZE" --batch 2 --steps 2 --checkpoint true
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv 2>&1
echo "== done in $(($(date +%s) - T0))s"
