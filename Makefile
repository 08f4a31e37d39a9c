# tun46 — build, test, demo, bench.   `make help` lists the targets.
#
# Layout of the build folder (everything generated lives under $(BUILD)):
#   build/bpf/tun46.bpf.o     BPF object (all programs and maps)
#   build/tun46.skel.h        bpftool skeleton, included by user code
#   build/tun46               the command
#   build/san/                user objects built with ASan/UBSan for unit tests
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

LIBBPF_CFLAGS := $(shell $(PKGCONF) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(shell $(PKGCONF) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -I$(BUILD) $(LIBBPF_CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_HDRS  := $(wildcard bpf/*.h bpf/lib/*.h) $(wildcard include/tun46/*.h)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS     := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)

USER_SRCS := $(wildcard user/*.c)
USER_HDRS := $(wildcard user/*.h)
USER_OBJS := $(USER_SRCS:user/%.c=$(BUILD)/user/%.o)
# Library objects: everything but main(), shared by the command and the tests.
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))
SAN_OBJS  := $(patsubst $(BUILD)/user/%.o,$(BUILD)/san/%.o,$(LIB_OBJS))

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
$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) $(wildcard include/tun46/*.h) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: user/%.c $(USER_HDRS) $(SKELS) $(wildcard include/tun46/*.h) | $(BUILD)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(BUILD)/tun46: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBBPF_LIBS) -o $@

# ---- tests ----
$(BUILD)/tests/%: tests/unit/%.c $(SAN_OBJS) $(USER_HDRS) tests/unit/unit.h | $(BUILD)/tests
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
$(BUILD)/fuzz/%: tests/fuzz/%.c $(filter-out user/main.c,$(USER_SRCS)) $(USER_HDRS) $(SKELS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser -I$(BUILD) \
		$(LIBBPF_CFLAGS) $< $(filter-out user/main.c,$(USER_SRCS)) $(LIBBPF_LIBS) -o $@

fuzz: deps $(FUZZ_BINS)

$(BUILD)/bpf $(BUILD)/user $(BUILD)/san $(BUILD)/tests $(BUILD)/bench $(BUILD)/fuzz:
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

FORMAT_SRCS = $(wildcard user/*.c user/*.h include/tun46/*.h tests/unit/*.c tests/unit/*.h \
	tests/datapath/*.c tests/datapath/*.h tests/fuzz/*.c bench/*.c bench/*.h bpf/*.c bpf/*.h bpf/lib/*.h)
check-format:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

clean:
	$(Q)rm -rf $(BUILD)

.PHONY: test-bins
.SECONDARY:
