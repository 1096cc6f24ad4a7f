#!/usr/bin/env bash
# Deploys one commit to one environment; the deploy workflow runs it, an operator can too.
#
#   k8s/deploy.sh staging|production COMMIT_SHA
#
# 1. pins every image of the overlay to the digest of COMMIT_SHA's build (DOCR)
# 2. applies the CRDs, then runs the migrations Job to completion (nothing else changes if
#    it fails; migrations are additive, so the running version keeps working)
# 3. kubectl apply -k the overlay and waits for every rollout
# 4. smoke test: the gateway is ready inside the cluster, the site and the API answer outside
# 5. any failure in 3-4 rolls every Deployment back to its previous revision (kubectl rollout undo)
#
# Needs kubectl with the cluster's context, docker logged in to the registry (doctl registry
# login), curl. REGISTRY overrides registry.digitalocean.com/aquaerp.
set -euo pipefail

environment=${1:?usage: deploy.sh staging|production COMMIT_SHA}
commit=${2:?usage: deploy.sh staging|production COMMIT_SHA}
registry=${REGISTRY:-registry.digitalocean.com/aquaerp}
namespace=aquaerp
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
overlay=$root/k8s/overlays/$environment
[[ -d $overlay ]] || { echo "no overlay $overlay" >&2; exit 2; }
# Every image the overlay names (the file is rendered from the services by
# scripts/render_services.py). A commit without the web app (web/package.json) has no web image.
mapfile -t images < <(sed -n 's#^  - name: aquaerp/##p' "$overlay/images/kustomization.yaml")
with_web=true
if [[ ! -f $root/web/package.json ]]; then
    with_web=false
    mapfile -t images < <(printf '%s\n' "${images[@]}" | grep -vx web)
fi

step() { printf '\n== %s\n' "$*"; }

step "pinning images to the digests of $commit"
{
    echo "# Written by k8s/deploy.sh for commit $commit."
    echo "apiVersion: kustomize.config.k8s.io/v1alpha1"
    echo "kind: Component"
    echo "images:"
    for image in "${images[@]}"; do
        digest=$(docker buildx imagetools inspect "$registry/$image:$commit" --format '{{json .Manifest}}' \
            | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])')
        echo "  - name: aquaerp/$image"
        echo "    newName: $registry/$image"
        echo "    digest: $digest"
        echo "$image: $digest" >&2
    done
} >"$overlay/images/kustomization.yaml.new"
mv "$overlay/images/kustomization.yaml.new" "$overlay/images/kustomization.yaml"

step "custom resource definitions"
kubectl apply -k "$root/k8s/crds"
kubectl wait --for=condition=Established crd/workflows.aquaerp.io --timeout=60s

step "migrations"
kubectl -n "$namespace" delete job aquaerp-migrate --ignore-not-found --wait=true
kubectl apply -k "$overlay/migrations"
if ! kubectl -n "$namespace" wait --for=condition=complete job/aquaerp-migrate --timeout=15m; then
    kubectl -n "$namespace" logs job/aquaerp-migrate --all-containers --prefix --tail=200 || true
    echo "migrations failed: nothing else was changed" >&2
    exit 1
fi

deployments=$(kubectl -n "$namespace" get deployments -o name 2>/dev/null || true)

rollback() {
    step "ROLLING BACK"
    local deployment
    for deployment in $deployments; do
        kubectl -n "$namespace" rollout undo "$deployment" || true
    done
    for deployment in $deployments; do
        kubectl -n "$namespace" rollout status "$deployment" --timeout=10m || true
    done
    exit 1
}

step "apply $environment"
kubectl apply -k "$overlay" || rollback
if ! $with_web; then
    kubectl -n "$namespace" delete deployment/web hpa/web pdb/web --ignore-not-found
fi
deployments=$(kubectl -n "$namespace" get deployments -o name)
for deployment in $deployments; do
    kubectl -n "$namespace" rollout status "$deployment" --timeout=10m || rollback
done

step "smoke test"
host=$(kubectl -n "$namespace" get ingress aquaerp -o jsonpath='{.spec.rules[0].host}')
smoke() {
    # Ready inside the cluster: /readyz checks the gateway's own dependencies.
    kubectl -n "$namespace" exec deploy/gateway -- python -c \
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=5)" || return 1
    # Reachable from outside: the web app, and the API answers without a server error.
    curl --fail --silent --show-error --max-time 10 --output /dev/null "https://$host/" || return 1
    local status
    status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "https://$host/api/v1/")
    [[ $status =~ ^[234] ]] || { echo "https://$host/api/v1/ answered $status" >&2; return 1; }
}
for attempt in 1 2 3 4 5; do
    if smoke; then
        step "$environment runs $commit"
        exit 0
    fi
    echo "smoke test failed (attempt $attempt)" >&2
    sleep 10
done
rollback
