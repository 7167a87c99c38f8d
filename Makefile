# Installs what a user runs into PREFIX: bin/pastiche, bin/pastiche-video, and libpastiche
# (lib/libpastiche.so.1 with ONNX Runtime beside it, include/pastiche.h, lib/pkgconfig/pastiche.pc).
#
#   make install PREFIX=$HOME/.local              # release build (add $HOME/.local/bin to PATH)
#   make install PREFIX=/tmp/p PROFILE=dev        # debug build, reusing target/debug (tests)
#   make install CUDA=1                           # also ONNX Runtime's GPU build, in lib/runtime-cuda/
#
# The model and, for bin/pastiche, ONNX Runtime stay in the cache that models/fetch-default.sh
# fills (~/.cache/pastiche). The GIMP plug-in installs into a GIMP profile instead: see gimp/.

PREFIX ?= /usr/local
override PREFIX := $(abspath $(PREFIX))
PROFILE ?= release
# The build tree of the checkout, so that installing reuses what `cargo build` already built.
CARGO_INSTALL = cargo install --quiet --locked --no-track --force --profile $(PROFILE) \
	--target-dir $(CURDIR)/target --root $(PREFIX)

.PHONY: install
install:
	$(MAKE) --no-print-directory -C plugin-c-api install PREFIX=$(PREFIX) PROFILE=$(PROFILE) CUDA=$(CUDA)
	$(CARGO_INSTALL) --path crates/pastiche-cli
	# pastiche-video links the libpastiche just installed; its rpath finds it from PREFIX/bin.
	PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} \
	  $(CARGO_INSTALL) --path ffmpeg-filter
