# tun46 — build, test, demo, bench.   `make help` lists the targets.
#
# Layout of the build folder (everything generated lives under $(BUILD)):
#   build/bpf/tun46.bpf.o     BPF object (all programs and maps)
#   build/tun46.skel.h        bpftool skeleton, included by user code
#   build/lib/libtun46.a      the library (lib/): parsers, config, plan, backend
#   build/tun46               the command (cli/)
#   build/tun46d              the daemon (daemon/)
#   build/san/                library objects built with ASan/UBSan for unit tests
#   build/tests/              test binaries
#   build/bench/              benchmark tools

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKGCONF  ?= pkg-config

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -target bpf \
	-D__TARGET_ARCH_x86 -Iinclude -Ibpf -I/usr/include/$(MULTIARCH)
BPF_CFLAGS += $(BPF_EXTRA) # e.g. -DTUN46_BUILD_SALT=1: a different object (tests/e2e/test_upgrade.sh)

LIBBPF_CFLAGS := $(shell $(PKGCONF) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(shell $(PKGCONF) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Iinclude -Ilib -I$(BUILD) $(LIBBPF_CFLAGS)
DEPFLAGS := -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_HDRS  := $(wildcard bpf/*.h bpf/lib/*.h) $(wildcard include/tun46/*.h)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS     := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)

# The library (lib/) is built once into libtun46.a; the command (cli/) and the
# daemon (daemon/) link it.  Unit tests link a sanitizer build of the library.
LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(LIB_SRCS:lib/%.c=$(BUILD)/lib/%.o)
LIB_A     := $(BUILD)/lib/libtun46.a
SAN_OBJS  := $(LIB_SRCS:lib/%.c=$(BUILD)/san/%.o)
CLI_SRCS  := $(wildcard cli/*.c)
CLI_OBJS  := $(CLI_SRCS:cli/%.c=$(BUILD)/cli/%.o)
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:daemon/%.c=$(BUILD)/daemon/%.o)
# Only the loader and the probe include a skeleton.
SKEL_USERS := $(BUILD)/lib/load.o $(BUILD)/lib/probe.o $(BUILD)/san/load.o $(BUILD)/san/probe.o

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
DP_SRCS   := $(wildcard tests/datapath/*.c)
DP_HDRS   := $(wildcard tests/datapath/*.h)
DP_MAINS  := $(shell grep -l '^int main' $(DP_SRCS) /dev/null 2>/dev/null)
DP_LIBSRC := $(filter-out $(DP_MAINS),$(DP_SRCS))
DP_BINS   := $(DP_MAINS:tests/datapath/%.c=$(BUILD)/tests/%)

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps test unit check-format format demo bench fuzz clean help
.DEFAULT_GOAL := all

all: $(BUILD)/tun46 $(BPF_OBJS)

help:
	@echo 'tun46 make targets:'
	@echo '  all       build the BPF object, skeleton and the tun46 command (default)'
	@echo '  deps      install missing Debian packages (scripts/deps.sh)'
	@echo '  test      install deps, build, run every test (root; ends "N passed, N failed")'
	@echo '  demo      install deps, build, run the two-site demo in namespaces (root)'
	@echo '  bench     run the benchmark harness (QUICK=1 for a ~2 minute run; BASE=<git ref>'
	@echo '            adds tun46 mode xdp as built at that ref, side by side)'
	@echo '  fuzz      build the libFuzzer target for the config/command parser'
	@echo '  format    reformat C sources with clang-format; check-format only checks'
	@echo '  clean     remove $(BUILD)/'
	@echo 'Variables: V=1 (show commands), BUILD=dir, QUICK=1 BASE=ref (bench), TESTS=pattern (test)'

deps:
	$(Q)bash scripts/deps.sh

# ---- BPF ----
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# ---- user space ----
$(SKEL_USERS): $(SKELS)

$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/san/%.o: lib/%.c | $(BUILD)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(BUILD)/cli/%.o: cli/%.c | $(BUILD)/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Icli -c $< -o $@

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Idaemon -c $< -o $@

$(BUILD)/tun46: $(CLI_OBJS) $(LIB_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(CLI_OBJS) $(LIB_A) $(LIBBPF_LIBS) -o $@

-include $(LIB_OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d)

# ---- tests ----
$(BUILD)/tests/%: tests/unit/%.c $(SAN_OBJS) $(wildcard lib/*.h) tests/unit/unit.h | $(BUILD)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -Itests/unit $< $(SAN_OBJS) $(LIBBPF_LIBS) -o $@

$(BUILD)/tests/%: tests/datapath/%.c $(DP_LIBSRC) $(DP_HDRS) $(SKELS) | $(BUILD)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -Itests/datapath $< $(DP_LIBSRC) $(LIBBPF_LIBS) -o $@

# ---- bench tools ----
$(BUILD)/bench/%: bench/%.c $(SKELS) $(wildcard bench/*.h) | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Ibench $< $(LIBBPF_LIBS) -o $@

# ---- fuzz (clang libFuzzer) ----
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard lib/*.h) $(SKELS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib -I$(BUILD) \
		$(LIBBPF_CFLAGS) $< $(LIB_SRCS) $(LIBBPF_LIBS) -o $@

fuzz: deps $(FUZZ_BINS)

$(BUILD)/bpf $(BUILD)/lib $(BUILD)/cli $(BUILD)/daemon $(BUILD)/san $(BUILD)/tests $(BUILD)/bench $(BUILD)/fuzz:
	$(Q)mkdir -p $@

test-bins: all $(UNIT_BINS) $(DP_BINS) $(BENCH_BINS) $(FUZZ_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)bash tests/run.sh $(TESTS)

unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do $$t || exit 1; done

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)QUICK=$(QUICK) BASE=$(BASE) SCALE=$(SCALE) bash scripts/bench.sh

FORMAT_SRCS = $(wildcard lib/*.c lib/*.h cli/*.c cli/*.h daemon/*.c daemon/*.h include/tun46/*.h tests/unit/*.c tests/unit/*.h \
	tests/datapath/*.c tests/datapath/*.h tests/fuzz/*.c bench/*.c bench/*.h bpf/*.c bpf/*.h bpf/lib/*.h)
check-format:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

clean:
	$(Q)rm -rf $(BUILD)

.PHONY: test-bins
.SECONDARY:
