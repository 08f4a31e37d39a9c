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

# Version: `git describe --tags --always --dirty` in a git checkout, else the
# VERSION file or debian/changelog (scripts/version.sh); VERSION=... on the
# command line overrides it.  It is
# given only to the cli/ and daemon/ objects, and only those that use it are
# rebuilt when it changes ($(BUILD)/version tracks it), never the library.
ifneq ($(origin VERSION),command line)
VERSION := $(shell sh scripts/version.sh)
endif
VERSION_DEFS := -DTUN46_VERSION='"$(VERSION)"' -DT46_VERSION='"$(VERSION)"'

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
LIBBPF_LIBS   += -lresolv # lib/names.c: res_nquery (DNS remotes with their TTL)

CFLAGS  ?= -O2 -g
# CPPFLAGS and LDFLAGS (dpkg-buildflags' hardening, say) reach the user-space
# objects of tun46 and tun46d and their links, not the test or bench builds.
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
VERSION_USERS := $(patsubst %.c,$(BUILD)/%.o,$(shell grep -lE '\<(TUN46|T46)_VERSION\>' $(CLI_SRCS) $(DAEMON_SRCS) /dev/null 2>/dev/null))
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

.PHONY: all deps test unit check-format format demo bench fuzz clean help install uninstall
.DEFAULT_GOAL := all

all: $(BUILD)/tun46 $(BUILD)/tun46d $(BPF_OBJS)

help:
	@echo 'tun46 make targets:'
	@echo '  all       build the BPF object, skeleton and the tun46 command (default)'
	@echo '  deps      install missing Debian packages for a lab (scripts/deps.sh; --runtime,'
	@echo '            --build, --package, --demo: smaller sets, see the script)'
	@echo '  test      install deps, build, run every test (root; ends "N passed, N failed")'
	@echo '  demo      install deps, build, run the two-site demo in namespaces (root)'
	@echo '  bench     run the benchmark harness (QUICK=1 for a ~2 minute run; BASE=<git ref>'
	@echo '            adds tun46 mode xdp as built at that ref, side by side; SCALE=1 adds the'
	@echo '            multi-core scaling and queue-spreading tests)'
	@echo '  fuzz      build the libFuzzer target for the config/command parser'
	@echo '  format    reformat C sources with clang-format; check-format only checks'
	@echo '  install   install tun46, tun46d, man pages, systemd units, bash completion, an example'
	@echo '            config (PREFIX=/usr/local DESTDIR= SBINDIR MANDIR SYSTEMDUNITDIR BASHCOMPDIR SYSCONFDIR)'
	@echo '  uninstall remove what install put there (keeps SYSCONFDIR/tun46/tun46.conf)'
	@echo '  clean     remove $(BUILD)/'
	@echo 'Variables: V=1 (show commands), BUILD=dir, VERSION=string, QUICK=1 BASE=ref SCALE=1 (bench), TESTS=pattern (test)'

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
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/san/%.o: lib/%.c | $(BUILD)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(BUILD)/cli/%.o: cli/%.c | $(BUILD)/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(VERSION_DEFS) -Icli -c $< -o $@

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(VERSION_DEFS) -Idaemon -c $< -o $@

$(BUILD)/tun46: $(CLI_OBJS) $(LIB_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_OBJS) $(LIB_A) $(LIBBPF_LIBS) -o $@

# Rewritten only when the version string changes, so make rebuilds just the
# objects that print it.
$(BUILD)/version: FORCE
	$(Q)mkdir -p $(BUILD) && echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(VERSION_USERS): $(BUILD)/version
.PHONY: FORCE
FORCE:

$(BUILD)/tun46d: $(DAEMON_OBJS) $(LIB_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_OBJS) $(LIB_A) $(LIBBPF_LIBS) -o $@

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

demo:
	$(Q)bash scripts/deps.sh --demo
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh

# deps may fail where apt cannot reach Debian (a lent many-core machine):
# scripts/bench.sh checks what each test needs and says what is missing
bench:
	$(Q)bash scripts/deps.sh || echo "bench: packages could not be installed (above); going on with what is here" >&2
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)QUICK=$(QUICK) BASE=$(BASE) SCALE=$(SCALE) bash scripts/bench.sh

# ---- install ----
# make install [DESTDIR=/scratch] [PREFIX=/usr/local] [SBINDIR=...] ...
# Installs tun46 (and tun46d when daemon/ has sources), the man pages, the
# systemd units (their paths rewritten to SBINDIR and SYSCONFDIR), the bash
# completion and an example config under DOCDIR/examples.  It creates
# SYSCONFDIR/tun46/ but never writes SYSCONFDIR/tun46/tun46.conf: that file is
# the admin's.  The BPF object is embedded in the binaries (bpftool skeleton),
# so no .bpf.o is installed.  Runtime needs: libbpf1 libelf1 zlib1g (iproute2
# recommended); see scripts/deps.sh --runtime.
PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
DATADIR        ?= $(PREFIX)/share
MANDIR         ?= $(DATADIR)/man
DOCDIR         ?= $(DATADIR)/doc/tun46
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR     ?= /etc
INSTALL        ?= install

INSTALL_BINS  := $(BUILD)/tun46 $(if $(DAEMON_SRCS),$(BUILD)/tun46d)
INSTALL_UNITS := systemd/tun46.service $(if $(DAEMON_SRCS),systemd/tun46d.service)
INSTALL_MANS  := $(filter-out $(if $(DAEMON_SRCS),,man/tun46d.8),$(wildcard man/*.8))
UNIT_SED := -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all $(INSTALL_BINS)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSCONFDIR)/tun46
	$(INSTALL) -m 0755 $(INSTALL_BINS) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(INSTALL_MANS) $(DESTDIR)$(MANDIR)/man8/
	for u in $(INSTALL_UNITS); do \
		sed $(UNIT_SED) $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp && \
		mv $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} || exit 1; \
	done
	$(INSTALL) -m 0644 scripts/tun46.bash-completion $(DESTDIR)$(BASHCOMPDIR)/tun46
	$(if $(DAEMON_SRCS),ln -sf tun46 $(DESTDIR)$(BASHCOMPDIR)/tun46d)
	sed $(UNIT_SED) etc/tun46.conf.example > $(DESTDIR)$(DOCDIR)/examples/tun46.conf
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/tun46.conf
	$(if $(DAEMON_SRCS),[ -e $(DESTDIR)$(SYSCONFDIR)/default/tun46d ] || \
		$(INSTALL) -D -m 0644 etc/default/tun46d $(DESTDIR)$(SYSCONFDIR)/default/tun46d)

# Removes what install put there; SYSCONFDIR/tun46 (the admin's config) stays.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tun46 $(DESTDIR)$(SBINDIR)/tun46d
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/tun46.service $(DESTDIR)$(SYSTEMDUNITDIR)/tun46d.service
	rm -f $(DESTDIR)$(BASHCOMPDIR)/tun46 $(DESTDIR)$(BASHCOMPDIR)/tun46d
	rm -f $(DESTDIR)$(DOCDIR)/examples/tun46.conf
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

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
