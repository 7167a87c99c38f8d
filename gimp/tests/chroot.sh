# A Debian 13 (trixie) chroot with GIMP 3, for testing the GIMP 3 plug-in on a Debian 12 host
# where GIMP 3 cannot be installed. Sourced by run-gimp3.sh. Needs root, debootstrap and zstd.
#
# The first run builds the chroot with debootstrap and apt (about 2 minutes, ~270 MB download)
# and caches it, cleaned, as a zstd tarball; later runs unpack the tarball (about 20 seconds).
# shellcheck shell=bash

GIMP3_PACKAGES=(gimp libgimp-3.0-dev gcc make pkg-config)
CHROOT_MOUNTS=()

chroot_tarball() {
  local cache=${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}
  local key
  key=$(echo "trixie ${GIMP3_PACKAGES[*]}" | sha256sum | cut -c1-12)
  echo "$cache/gimp3/trixie-gimp3-$key.tar.zst"
}

chroot_mount() { # root [mount arguments…] target-inside
  local root=$1 target=$1${*: -1}
  mkdir -p "$target"
  mount "${@:2:$#-2}" "$target"
  CHROOT_MOUNTS+=("$target")
}

# Mounts /proc and /dev, and binds each given host path at the same path inside.
chroot_up() { # root host-path…
  local root=$1 path
  chroot_mount "$root" -t proc proc /proc
  chroot_mount "$root" --bind /dev /dev
  for path in "${@:2}"; do chroot_mount "$root" --bind "$path" "$path"; done
}

chroot_unmount() {
  local i
  for ((i = ${#CHROOT_MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${CHROOT_MOUNTS[i]}" || umount -l "${CHROOT_MOUNTS[i]}"
  done
  CHROOT_MOUNTS=()
}

# Deleting the root is only safe once nothing is mounted below it: bind mounts of the host's own
# filesystem would otherwise be deleted through.
chroot_down() { # root
  chroot_unmount
  if findmnt -rn -o TARGET | grep -q "^$1/"; then
    echo "chroot: mounts remain under $1; not deleting it" >&2
    return 1
  fi
  rm -rf --one-file-system "$1"
}

chroot_build() { # tarball
  local root
  root=$(mktemp -d /tmp/pastiche-trixie.XXXXXX)
  echo "chroot: building Debian 13 with ${GIMP3_PACKAGES[*]} (once; cached as $1)" >&2
  debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian > "$root.log" 2>&1 ||
    { cat "$root.log" >&2; return 1; }
  # No services may start inside the chroot while packages install.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  chroot_up "$root"
  chroot "$root" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends ${GIMP3_PACKAGES[*]} && apt-get clean \
    && rm -rf /var/lib/apt/lists/*" > "$root.log" 2>&1 || { cat "$root.log" >&2; chroot_down "$root"; return 1; }
  chroot_unmount
  mkdir -p "$(dirname "$1")"
  tar -C "$root" -I 'zstd -T0 -3' -cf "$1.partial" . && mv "$1.partial" "$1"
  rm -rf --one-file-system "$root" "$root.log"
}

# Unpacks the cached chroot (building it first if needed) into `root`.
chroot_unpack() { # root
  local tarball
  tarball=$(chroot_tarball)
  [ -f "$tarball" ] || chroot_build "$tarball"
  mkdir -p "$1"
  tar -C "$1" -I zstd -xf "$tarball"
}
