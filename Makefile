# vmemu — plain GNU make.
#   make                      build $(BUILDDIR)/vmemu (default build/)
#   make check                unit + end-to-end tests under prove
#   make demo                 run the seed scenarios under baseline and patched, diff them
#   make BUILDDIR=b CC=clang CFLAGS="-O0 -g"   another build flavour beside the first
#   make VARIANTS_EXTRA=path/to/my-fix.c BUILDDIR=build/my   add out-of-tree variant files
#                             (docs/patching.md)
#   make check-sanitize       ASan + UBSan build and the whole suite
PKGS      := glib-2.0 sqlite3 yaml-0.1
BUILDDIR  ?= build
CC        ?= cc
CFLAGS    ?= -O2 -g
VERSION   := 0.1.0
PROVE_J   ?= 2

# Missing -dev packages: install them (root + apt-get) or stop naming them.
ifeq ($(shell pkg-config --exists $(PKGS) 2>/dev/null && echo ok),)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_RC := $(shell bash .ci/ensure-deps >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error build dependencies are missing: see the message above)
endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VM_CFLAGS  := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
              -Wno-missing-field-initializers -fno-strict-aliasing \
              -MMD -MP -I. -DVMEMU_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
VM_LIBS    := $(PKG_LIBS) -lm
ifdef SANITIZE
VM_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif

LIB_SRC   := $(sort $(wildcard engine/*/*.c reports/*/*.c))
# The CLI sits at the top level, above every layer (docs/architecture.md).
CLI_SRC   := $(sort $(wildcard cli/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test-*.c))
LIB_OBJ   := $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(LIB_SRC))
# A modelled patch is a file: every variants/*.c, plus the out-of-tree files
# named by VARIANTS_EXTRA (space separated), collected into a constant table
# sorted by file name (engine/variant/variant-def.h).
VARIANTS_EXTRA ?=
VARIANT_SRC  := $(sort $(wildcard variants/*.c))
VARIANT_XOBJ := $(patsubst %.c,$(BUILDDIR)/obj/variants-extra/%.o,$(notdir $(VARIANTS_EXTRA)))
VARIANT_OBJ  := $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(VARIANT_SRC)) $(VARIANT_XOBJ) \
                $(BUILDDIR)/obj/gen/variant-list.o
LIB_OBJ   += $(VARIANT_OBJ)
CLI_OBJ   := $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(CLI_SRC))
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILDDIR)/tests/%,$(UNIT_SRC))
E2E       := $(sort $(wildcard tests/e2e/*.sh))

all: $(BUILDDIR)/vmemu $(BUILDDIR)/conform-guest

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILDDIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(VM_CFLAGS) -c $< -o $@

define variant_extra_rule
$(BUILDDIR)/obj/variants-extra/$(notdir $(1:.c=.o)): $(1)
	@mkdir -p $$(dir $$@)
	$$(if $$(V),,@echo "  CC      $$<")
	$$(Q)$$(CC) $$(CFLAGS) $$(VM_CFLAGS) -c $$< -o $$@
endef
$(foreach f,$(VARIANTS_EXTRA),$(eval $(call variant_extra_rule,$(f))))

# Rewritten only when the list of variant files changes.
$(BUILDDIR)/gen/variant-list.c: $(VARIANT_SRC) $(VARIANTS_EXTRA) engine/variant/gen-variant-list.sh FORCE
	@mkdir -p $(dir $@)
	$(Q)sh engine/variant/gen-variant-list.sh $(VARIANT_SRC) $(VARIANTS_EXTRA) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILDDIR)/obj/gen/variant-list.o: $(BUILDDIR)/gen/variant-list.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  GEN     $<")
	$(Q)$(CC) $(CFLAGS) $(VM_CFLAGS) -c $< -o $@

$(BUILDDIR)/libvmemu.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILDDIR)/vmemu: $(CLI_OBJ) $(BUILDDIR)/libvmemu.a
	$(if $(V),,@echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILDDIR)/libvmemu.a $(VM_LIBS)

$(BUILDDIR)/tests/%: $(BUILDDIR)/obj/tests/unit/%.o $(BUILDDIR)/libvmemu.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILDDIR)/libvmemu.a $(VM_LIBS)

tests: $(UNIT_BIN) $(BUILDDIR)/vmemu $(BUILDDIR)/conform-guest

# Unit tests print TAP (GLib >= 2.62); end-to-end tests are bash scripts that
# print TAP and find the binary through $VMEMU.
check: check-style check-deps tests
	VMEMU=$(abspath $(BUILDDIR)/vmemu) BUILDDIR=$(abspath $(BUILDDIR)) \
	  prove -j$(PROVE_J) --exec '' $(UNIT_BIN)
	VMEMU=$(abspath $(BUILDDIR)/vmemu) BUILDDIR=$(abspath $(BUILDDIR)) \
	  prove -j$(PROVE_J) --exec bash $(E2E)

check-sanitize:
	$(MAKE) BUILDDIR=build/asan SANITIZE=1 CFLAGS="-O1 -g" check

# Wall clocks, unseeded randomness and printing have no place in the model
# (variant files included: they are model code).
ENGINE_MODEL_SRC := $(filter-out engine/trace/% engine/scenario/% engine/conform/%,$(wildcard engine/*/*.c)) \
                    $(VARIANT_SRC) $(VARIANTS_EXTRA)
check-style:
	@! grep -nE '\b(time|clock_gettime|gettimeofday|rand|srand|random|g_random_[a-z_]+|g_get_(real|monotonic)_time|printf|g_print)[[:space:]]*\(' \
	    $(ENGINE_MODEL_SRC) /dev/null | grep -v 'vmemu_glibc_random' \
	    || { echo 'banned call in engine/ (see Makefile check-style)'; exit 1; }

# Includes go down the layers of .ci/layers.conf, and the mm side of the model
# calls the filesystem only through its ops tables (issue 13).
check-deps:
	@bash .ci/check-deps .

demo: $(BUILDDIR)/vmemu
	@bash tests/demo.sh $(abspath $(BUILDDIR)/vmemu)

clean:
	rm -rf $(BUILDDIR)

.PHONY: all tests check check-sanitize check-style check-deps demo clean FORCE
FORCE:
.SECONDARY:
-include $(shell find $(BUILDDIR)/obj -name '*.d' 2>/dev/null)

# ---- robustness (issue 7): valgrind, fuzzing, determinism across builds ----
#   make check-valgrind       end-to-end tests with every vmemu under memcheck
#   make fuzz FUZZ_SECONDS=N  build the libFuzzer targets (clang) and run each N s
#   make check-determinism    every scenario twice and under gcc -O2 and clang -O0
VALGRIND  ?= valgrind --quiet --error-exitcode=99 --leak-check=full \
             --errors-for-leak-kinds=definite --show-leak-kinds=definite
# The tests quote "$$VMEMU" as one word: hand them a wrapper script.
check-valgrind: $(BUILDDIR)/vmemu
	@printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(VALGRIND)" "$(abspath $(BUILDDIR)/vmemu)" \
	  > $(BUILDDIR)/vmemu-valgrind && chmod +x $(BUILDDIR)/vmemu-valgrind
	VMEMU=$(abspath $(BUILDDIR)/vmemu-valgrind) BUILDDIR=$(abspath $(BUILDDIR)) \
	  prove -j$(PROVE_J) --exec bash $(E2E)

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_NAMES   := scenario fsx tracedb run
FUZZ_BIN     := $(patsubst %,$(FUZZ_DIR)/fuzz-%,$(FUZZ_NAMES))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_FLAGS   ?=

# The library is built by a sub-make (its own BUILDDIR, CC and CFLAGS); the
# targets then link against it.
$(FUZZ_DIR)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_DIR)/libvmemu.a
	$(FUZZ_CC) -O1 -g -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) \
	  -o $@ $< $(FUZZ_DIR)/libvmemu.a $(VM_LIBS)

fuzz-build:
	$(MAKE) BUILDDIR=$(FUZZ_DIR) CC=$(FUZZ_CC) \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_DIR)/libvmemu.a
	$(MAKE) $(FUZZ_BIN)

# New inputs go to $(FUZZ_DIR)/corpus-NAME (not into the tree); findings to
# $(FUZZ_DIR)/artifacts-NAME/.  The regression inputs run first, once.
fuzz: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_DIR)/corpus-$$n $(FUZZ_DIR)/artifacts-$$n; \
	  if ls tests/fuzz/regress-$$n/* >/dev/null 2>&1; then \
	    $(FUZZ_DIR)/fuzz-$$n -runs=0 tests/fuzz/regress-$$n/* ; fi; \
	  echo "fuzz-$$n: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts-$$n/ \
	    $(FUZZ_FLAGS) $(FUZZ_DIR)/corpus-$$n tests/fuzz/corpus-$$n; \
	done

# A second flavour as far from the default as we can get: another compiler,
# no optimisation, sanitizers (leaks are check-sanitize's business).
DET_CC  ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
DET_DIR ?= $(BUILDDIR)/det-O0
check-determinism: $(BUILDDIR)/vmemu
	$(MAKE) BUILDDIR=$(DET_DIR) CC=$(DET_CC) CFLAGS="-O0 -g" SANITIZE=1 $(DET_DIR)/vmemu
	VMEMU=$(abspath $(BUILDDIR)/vmemu) VMEMU_OTHER=$(abspath $(DET_DIR)/vmemu) \
	  BUILDDIR=$(abspath $(BUILDDIR)) ASAN_OPTIONS=detect_leaks=0 \
	  prove --exec bash tests/e2e/determinism.sh

.PHONY: check-valgrind fuzz fuzz-build check-determinism

# make bench (issue 6): an optimised build beside the default one (plain -O2:
# no -DNDEBUG, the model's g_assert()s stay), then every figure as
# "name value unit" and build/bench.json.  See docs/performance.md.
BENCH_DIR ?= build/bench
bench:
	$(MAKE) BUILDDIR=$(BENCH_DIR) CFLAGS="-O2 -g" $(BENCH_DIR)/vmemu \
	  $(BENCH_DIR)/bench-sim $(BENCH_DIR)/bench-vmemu
	bash tests/bench/bench.sh $(BENCH_DIR) build/bench.json

$(BUILDDIR)/bench-%: $(BUILDDIR)/obj/tests/bench/bench-%.o $(BUILDDIR)/libvmemu.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILDDIR)/libvmemu.a $(VM_LIBS)

.PHONY: bench

# ---- vmemu conform (issue 11, docs/conform.md): the real kernel as the judge ----
#   make conform              every runnable scenario x {baseline, patched} on the
#                             UML kernels in $(KERNEL_DIR); prints the verdict table
#   make conform-kernel SRC=DIR [PATCHES="a.patch ..."] OUT=FILE
#                             build such a kernel from a Linux 5.8 source tree
# The guest runs as PID 1 inside the kernel: static, plain libc, no sanitizers.
GUEST_CC ?= gcc
KERNEL_DIR ?= ../shared/kernels
$(BUILDDIR)/conform-guest: engine/conform/guest/conform-guest.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  GUEST   $@")
	$(Q)$(GUEST_CC) -static -O2 -g -std=gnu17 -Wall -Wextra -Werror -o $@ $<

conform: $(BUILDDIR)/vmemu $(BUILDDIR)/conform-guest
	VMEMU=$(abspath $(BUILDDIR)/vmemu) bash tests/conform/suite.sh $(KERNEL_DIR) scenarios tests/conform

conform-kernel:
	bash tests/conform/build-kernel.sh $(SRC) $(OUT) $(PATCHES)

.PHONY: conform conform-kernel

# make install PREFIX=/usr/local [DESTDIR=...] (issue 14): the binary, man
# pages generated from the same option tables as --help, bash completion, the
# documentation and the scenario library; make uninstall removes exactly that.
PREFIX     ?= /usr/local
BINDIR     := $(DESTDIR)$(PREFIX)/bin
MANDIR     := $(DESTDIR)$(PREFIX)/share/man/man1
COMPDIR    := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
DOCDIR     := $(DESTDIR)$(PREFIX)/share/doc/vmemu
SHAREDIR   := $(DESTDIR)$(PREFIX)/share/vmemu
DOCS       := README.md $(sort $(wildcard docs/*.md))
SCENARIOS  := $(sort $(wildcard scenarios/*.yaml))

$(BUILDDIR)/man/vmemu.1: $(BUILDDIR)/vmemu cli/gen-man.sh
	@rm -rf $(BUILDDIR)/man
	sh cli/gen-man.sh $(BUILDDIR)/vmemu $(BUILDDIR)/man $(VERSION)

install: $(BUILDDIR)/vmemu $(BUILDDIR)/man/vmemu.1
	install -d $(BINDIR) $(MANDIR) $(COMPDIR) $(DOCDIR) $(SHAREDIR)/scenarios
	install -m 755 $(BUILDDIR)/vmemu $(BINDIR)/vmemu
	install -m 644 $(BUILDDIR)/man/*.1 $(MANDIR)/
	install -m 644 cli/vmemu.bash-completion $(COMPDIR)/vmemu
	install -m 644 $(DOCS) $(DOCDIR)/
	install -m 644 $(SCENARIOS) $(SHAREDIR)/scenarios/

uninstall:
	rm -f $(BINDIR)/vmemu $(COMPDIR)/vmemu
	rm -f $(MANDIR)/vmemu.1 $(MANDIR)/vmemu-*.1
	rm -f $(addprefix $(DOCDIR)/,$(notdir $(DOCS)))
	rm -f $(addprefix $(SHAREDIR)/scenarios/,$(notdir $(SCENARIOS)))
	-rmdir $(SHAREDIR)/scenarios $(SHAREDIR) $(DOCDIR) 2>/dev/null

.PHONY: install uninstall
