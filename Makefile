# libevent 2.1.12 in Rust, as a drop-in C library.
#   make            build the libraries (every soname), headers and pkg-config files in build/
#   make demo       run real C programs on them (Debian's memcached and tmux; examples/rpc)
#   make check      every test: Rust unit tests, layout/export probes, the C suite (tests-c/)
#   make bench      ours vs Debian's libevent (and libev), side by side; BENCH_QUICK=1: a seconds-long smoke run
#   make fuzz       every fuzz target (fuzz/Cargo.toml) in turn, FUZZ_SECS seconds each (60)
#   make check-valgrind  the C suite's "ours" builds under valgrind memcheck (default backend)
#   make install PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib INCLUDEDIR=$(PREFIX)/include
#   make uninstall  (the same variables) removes exactly what make install put there
#                   (BINDIR=$(PREFIX)/bin gets the schema compiler event_rpcgen and event_rpcgen.py)

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
CC       ?= cc
CARGO    ?= cargo
BUILD    := build
BLIBDIR  := $(BUILD)/lib
BINCDIR  := $(BUILD)/include
BPCDIR   := $(BLIBDIR)/pkgconfig
RUSTLIB  := target/release/liblevent.a
SOVER    := 7.0.1
MAINSO   := libevent-2.1.so
SHIMS    := event_core event_extra event_pthreads event_openssl
# libgcc linked in (-static-libgcc: only the unwinder std's backtrace code names): no
# libgcc_s.so to find, map, relocate and version-check at every program start, as with
# Debian's libevent, which needs only libc.
NATIVE   := -static-libgcc -lutil -lrt -lpthread -lm -ldl -lc
VERSION  := 2.1.12
RUST_SRC := $(shell find src -name '*.rs' -o -name '*.c' -o -name '*.h') Cargo.toml build.rs

.PHONY: all libs headers pc demo check check-deps lint test-rust test-c conformance bench bench-quick fuzz check-valgrind install uninstall clean

all: libs headers pc

$(RUSTLIB): $(RUST_SRC)
	$(CARGO) build --release --quiet

# The one real library: the Rust staticlib linked whole, exporting only libevent's names.
# Linked under a temporary name and renamed, so a program started meanwhile never maps a
# half-written library.
$(BLIBDIR)/$(MAINSO).$(SOVER): $(RUSTLIB) exports.map
	@mkdir -p $(BLIBDIR)
	$(CC) -shared -o $@.tmp -Wl,-soname,$(MAINSO).7 \
	  -Wl,--whole-archive $(RUSTLIB) -Wl,--no-whole-archive \
	  -Wl,--version-script=exports.map -Wl,--gc-sections -Wl,-z,noexecstack $(NATIVE)
	mv -f $@.tmp $@
	ln -sf $(MAINSO).$(SOVER) $(BLIBDIR)/$(MAINSO).7
	ln -sf $(MAINSO).$(SOVER) $(BLIBDIR)/libevent.so

# The other sonames: empty shims that need libevent-2.1.so.7 (one copy of state).
# libevent_openssl also needs the system's libssl/libcrypto, as Debian's does, so a program
# linked with -levent_openssl has them loaded (the SSL bufferevents find them at run time).
SHIM_LIBS_event_openssl := $(shell for l in libssl.so.3 libcrypto.so.3; do ldconfig -p 2>/dev/null | grep -q "$$l[[:space:]]" && printf -- '-l:%s ' $$l; done)
$(BLIBDIR)/lib%-2.1.so.$(SOVER): tests-c/shim/shim.c $(BLIBDIR)/$(MAINSO).$(SOVER)
	$(CC) -shared -fPIC -o $@ -Wl,-soname,lib$*-2.1.so.7 $< \
	  -Wl,--no-as-needed -L$(BLIBDIR) -l:$(MAINSO).7 $(SHIM_LIBS_$*)
	ln -sf lib$*-2.1.so.$(SOVER) $(BLIBDIR)/lib$*-2.1.so.7
	printf 'INPUT(lib$*-2.1.so.7 $(MAINSO).7)\n' > $(BLIBDIR)/lib$*.so

$(BLIBDIR)/libevent.a: $(RUSTLIB)
	@mkdir -p $(BLIBDIR)
	cp $(RUSTLIB) $@
	cp $(RUSTLIB) $(BLIBDIR)/libevent_core.a
	for l in event_extra event_pthreads event_openssl; do rm -f $(BLIBDIR)/lib$$l.a; ar rc $(BLIBDIR)/lib$$l.a; done

libs: $(BLIBDIR)/$(MAINSO).$(SOVER) $(foreach s,$(SHIMS),$(BLIBDIR)/lib$(s)-2.1.so.$(SOVER)) $(BLIBDIR)/libevent.a

headers:
	@mkdir -p $(BINCDIR)/event2
	cp event2/*.h $(BINCDIR)/event2/
	cp include/*.h $(BINCDIR)/ 2>/dev/null || true

# pkg-config files for the build tree (make install writes ones naming LIBDIR and INCLUDEDIR).
define write_pc
	sed -e 's|@PREFIX@|$(2)|' -e 's|@LIBDIR@|$(3)|' -e 's|@INCLUDEDIR@|$(4)|' \
	    -e 's|@NAME@|$(1)|' -e 's|@LIB@|$(5)|' -e 's|@REQUIRES@|$(6)|' \
	    -e 's|@DESC@|$(7)|' pkgconfig/template.pc.in > $(8)/$(1).pc
endef
pc_all = \
	$(call write_pc,libevent,$(1),$(2),$(3),event,,libevent event notification library,$(4)); \
	$(call write_pc,libevent_core,$(1),$(2),$(3),event_core,,libevent core,$(4)); \
	$(call write_pc,libevent_extra,$(1),$(2),$(3),event_extra,libevent_core,libevent http/dns/rpc,$(4)); \
	$(call write_pc,libevent_pthreads,$(1),$(2),$(3),event_pthreads,libevent_core,libevent pthreads locking,$(4)); \
	$(call write_pc,libevent_openssl,$(1),$(2),$(3),event_openssl,libevent_core,libevent OpenSSL bufferevents,$(4))

pc:
	@mkdir -p $(BPCDIR)
	@$(call pc_all,$(CURDIR)/$(BUILD),$(CURDIR)/$(BLIBDIR),$(CURDIR)/$(BINCDIR),$(BPCDIR))

# What make install puts where; make uninstall removes exactly these names.
CMAKEDIR    = $(LIBDIR)/cmake/libevent
SO_FILES   := $(MAINSO).$(SOVER) $(foreach s,$(SHIMS),lib$(s)-2.1.so.$(SOVER))
SO_LINKS   := $(MAINSO).7 libevent.so $(foreach s,$(SHIMS),lib$(s)-2.1.so.7)
LD_SCRIPTS := $(foreach s,$(SHIMS),lib$(s).so)
ARCHIVES   := libevent.a $(foreach s,$(SHIMS),lib$(s).a)
PC_FILES   := libevent.pc $(foreach s,$(SHIMS),lib$(s).pc)
CMAKE_FILES:= LibeventConfig.cmake LibeventConfigVersion.cmake LibeventTargets.cmake
HDRS       := $(notdir $(wildcard event2/*.h))
TOP_HDRS   := $(notdir $(wildcard include/*.h))

# The CMake package files, from the templates in cmake/. Paths are the final ones (never
# DESTDIR); the files also carry LIBDIR and INCLUDEDIR relative to their own directory, so an
# installed tree still works when staged or moved.
define write_cmake
	rl=$$(realpath -ms --relative-to="$(CMAKEDIR)" "$(LIBDIR)") && \
	ri=$$(realpath -ms --relative-to="$(CMAKEDIR)" "$(INCLUDEDIR)") && \
	ptr=$$(printf '' | $(CC) -dM -E -x c - | sed -n 's/^#define __SIZEOF_POINTER__ //p') && \
	for f in $(CMAKE_FILES); do \
	  sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVER@|$(SOVER)|g' -e 's|@SOMAJOR@|$(firstword $(subst ., ,$(SOVER)))|g' \
	      -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	      -e 's|@CMAKEDIR@|$(CMAKEDIR)|g' -e "s|@REL_LIBDIR@|$$rl|g" -e "s|@REL_INCLUDEDIR@|$$ri|g" \
	      -e "s|@SIZEOF_VOID_P@|$$ptr|g" cmake/$$f.in > "$(1)/$$f" || exit 1; \
	done
endef

define check_dirs
	for v in "PREFIX=$(PREFIX)" "LIBDIR=$(LIBDIR)" "INCLUDEDIR=$(INCLUDEDIR)"; do \
	  case $${v#*=} in /*) ;; *) echo "make $(1): $$v is not an absolute path" >&2; exit 1;; esac; done
endef

install: all
	@$(call check_dirs,install)
	install -d "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(CMAKEDIR)" "$(DESTDIR)$(INCLUDEDIR)/event2"
	install -m 755 $(addprefix $(BLIBDIR)/,$(SO_FILES)) "$(DESTDIR)$(LIBDIR)/"
	install -m 644 $(addprefix $(BLIBDIR)/,$(LD_SCRIPTS) $(ARCHIVES)) "$(DESTDIR)$(LIBDIR)/"
	ln -sf $(MAINSO).$(SOVER) "$(DESTDIR)$(LIBDIR)/$(MAINSO).7"
	ln -sf $(MAINSO).$(SOVER) "$(DESTDIR)$(LIBDIR)/libevent.so"
	for s in $(SHIMS); do ln -sf lib$$s-2.1.so.$(SOVER) "$(DESTDIR)$(LIBDIR)/lib$$s-2.1.so.7"; done
	install -m 644 $(addprefix event2/,$(HDRS)) "$(DESTDIR)$(INCLUDEDIR)/event2/"
	install -m 644 $(addprefix include/,$(TOP_HDRS)) "$(DESTDIR)$(INCLUDEDIR)/"
	@$(call pc_all,$(PREFIX),$(LIBDIR),$(INCLUDEDIR),"$(DESTDIR)$(LIBDIR)/pkgconfig")
	@$(call write_cmake,$(DESTDIR)$(CMAKEDIR))
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 rpcgen/event_rpcgen.py "$(DESTDIR)$(BINDIR)/event_rpcgen.py"
	install -m 755 rpcgen/event_rpcgen.py "$(DESTDIR)$(BINDIR)/event_rpcgen"

# Only our files go; a directory is removed only when that leaves it empty (and LIBDIR,
# INCLUDEDIR themselves stay).
uninstall:
	@$(call check_dirs,uninstall)
	@L="$(DESTDIR)$(LIBDIR)"; I="$(DESTDIR)$(INCLUDEDIR)"; n=0; \
	for f in $(addprefix "$$L"/,$(SO_FILES) $(SO_LINKS) $(LD_SCRIPTS) $(ARCHIVES)) \
	         $(addprefix "$$L"/pkgconfig/,$(PC_FILES)) $(addprefix "$$L"/cmake/libevent/,$(CMAKE_FILES)) \
	         $(addprefix "$$I"/event2/,$(HDRS)) $(addprefix "$$I"/,$(TOP_HDRS)); do \
	  if [ -e "$$f" ] || [ -L "$$f" ]; then rm -f "$$f" && n=$$((n + 1)) || exit 1; fi; \
	done; \
	for d in "$$L/cmake/libevent" "$$L/cmake" "$$L/pkgconfig" "$$I/event2"; do \
	  [ -d "$$d" ] && rmdir "$$d" 2>/dev/null; \
	done; \
	echo "uninstall: removed $$n files from $$L and $$I"
	@B="$(DESTDIR)$(BINDIR)"; rm -f "$$B/event_rpcgen" "$$B/event_rpcgen.py"; rmdir "$$B" 2>/dev/null || true

# Then the evrpc example (examples/rpc): installed into a temporary prefix, its schema compiled
# by the installed event_rpcgen, a server and a client on 127.0.0.1.
demo: all
	@sh tests-c/demo.sh
	@echo
	@echo "demo: examples/rpc, a phone book over evrpc, built with the installed event_rpcgen"
	@sh examples/rpc/run.sh

# Packages the tests need on a fresh machine (Debian's libevent is the oracle).
check-deps:
	@sh tests-c/deps.sh

test-rust:
	$(CARGO) test --quiet
	$(CARGO) test --quiet --manifest-path ctest/Cargo.toml --target-dir target/ctest

test-c: all
	@sh tests-c/run.sh

# Style and lints gate the build: rustfmt (rustfmt.toml) and clippy with warnings as errors.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --quiet --all-targets -- -D warnings

# libevent 2.1.12's own test suite (built from Debian's source package at test time, never
# copied into the repository) on libevent's libraries and on ours; see tests-conformance/.
conformance: all
	@sh tests-conformance/fetch.sh
	@python3 tests-conformance/run.py

# bench-quick: the benchmark programs built and run once, small (seconds; no timing).
bench-quick: all
	@BENCH_QUICK=1 sh bench/run.sh

# The C suite runs last: its closing line "N passed, M failed" is the suite's verdict.
check: check-deps all lint test-rust conformance bench-quick test-c

bench: all
	@sh bench/run.sh

# The C suite's "ours" builds under valgrind memcheck (tests-c/run.sh with VALGRIND=1): any
# invalid access or definite leak fails the case; tests-c/valgrind.skip lists what cannot run
# under valgrind and why. FILTER=http/ (any substring of tests-c/AREA/case.c) runs a part.
FILTER ?=
check-valgrind: all
	@VALGRIND=1 sh tests-c/run.sh $(FILTER)

# Coverage-guided fuzzing on the stable toolchain (fuzz/run.sh): every [[bin]] of
# fuzz/Cargo.toml for FUZZ_SECS seconds, one after another; stops at the first finding
# (in fuzz/artifacts/). The committed seeds are replayed by `cargo test` (make check).
FUZZ_SECS ?= 60
fuzz:
	@mkdir -p fuzz/work; for t in $$(sh fuzz/run.sh list); do \
	  echo "== fuzz $$t: $(FUZZ_SECS) s (log in fuzz/work/$$t.log)"; \
	  if sh fuzz/run.sh $(FUZZ_SECS) $$t >fuzz/work/$$t.log 2>&1; then \
	    grep -E '^#[0-9]+[[:space:]]+DONE' fuzz/work/$$t.log | tail -n 1; \
	  else tail -n 30 fuzz/work/$$t.log; echo "fuzz: $$t failed (a finding is in fuzz/artifacts/)"; exit 1; fi; \
	done

clean:
	rm -rf $(BUILD) target
