# libevent 2.1.12 in Rust, as a drop-in C library.
#   make            build the libraries (every soname), headers and pkg-config files in build/
#   make demo       run a real C program on them
#   make check      every test: Rust unit tests, layout/export probes, the C suite (tests-c/)
#   make bench      ours vs Debian's libevent, side by side
#   make install PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
CARGO    ?= cargo
BUILD    := build
LIBDIR   := $(BUILD)/lib
INCDIR   := $(BUILD)/include
PCDIR    := $(LIBDIR)/pkgconfig
RUSTLIB  := target/release/liblevent.a
SOVER    := 7.0.1
MAINSO   := libevent-2.1.so
SHIMS    := event_core event_extra event_pthreads event_openssl
NATIVE   := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
RUST_SRC := $(shell find src -name '*.rs' -o -name '*.c' -o -name '*.h') Cargo.toml build.rs

.PHONY: all libs headers pc demo check check-deps test-rust test-c bench install clean

all: libs headers pc

$(RUSTLIB): $(RUST_SRC)
	$(CARGO) build --release --quiet

# The one real library: the Rust staticlib linked whole, exporting only libevent's names.
# Linked under a temporary name and renamed, so a program started meanwhile never maps a
# half-written library.
$(LIBDIR)/$(MAINSO).$(SOVER): $(RUSTLIB) exports.map
	@mkdir -p $(LIBDIR)
	$(CC) -shared -o $@.tmp -Wl,-soname,$(MAINSO).7 \
	  -Wl,--whole-archive $(RUSTLIB) -Wl,--no-whole-archive \
	  -Wl,--version-script=exports.map -Wl,--gc-sections -Wl,-z,noexecstack $(NATIVE)
	mv -f $@.tmp $@
	ln -sf $(MAINSO).$(SOVER) $(LIBDIR)/$(MAINSO).7
	ln -sf $(MAINSO).$(SOVER) $(LIBDIR)/libevent.so

# The other sonames: empty shims that need libevent-2.1.so.7 (one copy of state).
# libevent_openssl also needs the system's libssl/libcrypto, as Debian's does, so a program
# linked with -levent_openssl has them loaded (the SSL bufferevents find them at run time).
SHIM_LIBS_event_openssl := $(shell for l in libssl.so.3 libcrypto.so.3; do ldconfig -p 2>/dev/null | grep -q "$$l[[:space:]]" && printf -- '-l:%s ' $$l; done)
$(LIBDIR)/lib%-2.1.so.$(SOVER): tests-c/shim/shim.c $(LIBDIR)/$(MAINSO).$(SOVER)
	$(CC) -shared -fPIC -o $@ -Wl,-soname,lib$*-2.1.so.7 $< \
	  -Wl,--no-as-needed -L$(LIBDIR) -l:$(MAINSO).7 $(SHIM_LIBS_$*)
	ln -sf lib$*-2.1.so.$(SOVER) $(LIBDIR)/lib$*-2.1.so.7
	printf 'INPUT(lib$*-2.1.so.7 $(MAINSO).7)\n' > $(LIBDIR)/lib$*.so

$(LIBDIR)/libevent.a: $(RUSTLIB)
	@mkdir -p $(LIBDIR)
	cp $(RUSTLIB) $@
	cp $(RUSTLIB) $(LIBDIR)/libevent_core.a
	for l in event_extra event_pthreads event_openssl; do rm -f $(LIBDIR)/lib$$l.a; ar rc $(LIBDIR)/lib$$l.a; done

libs: $(LIBDIR)/$(MAINSO).$(SOVER) $(foreach s,$(SHIMS),$(LIBDIR)/lib$(s)-2.1.so.$(SOVER)) $(LIBDIR)/libevent.a

headers:
	@mkdir -p $(INCDIR)/event2
	cp event2/*.h $(INCDIR)/event2/
	cp include/*.h $(INCDIR)/ 2>/dev/null || true

# pkg-config files for the build tree (make install writes ones for PREFIX).
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
	@mkdir -p $(PCDIR)
	@$(call pc_all,$(CURDIR)/$(BUILD),$(CURDIR)/$(LIBDIR),$(CURDIR)/$(INCDIR),$(PCDIR))

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/event2
	cp -P $(LIBDIR)/*.so* $(LIBDIR)/*.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 event2/*.h $(DESTDIR)$(PREFIX)/include/event2/
	install -m 644 include/*.h $(DESTDIR)$(PREFIX)/include/
	@$(call pc_all,$(PREFIX),$(PREFIX)/lib,$(PREFIX)/include,$(DESTDIR)$(PREFIX)/lib/pkgconfig)

demo: all
	@sh tests-c/demo.sh

# Packages the tests need on a fresh machine (Debian's libevent is the oracle).
check-deps:
	@sh tests-c/deps.sh

test-rust:
	$(CARGO) test --quiet
	$(CARGO) test --quiet --manifest-path ctest/Cargo.toml --target-dir target/ctest

test-c: all
	@sh tests-c/run.sh

check: check-deps all test-rust test-c

bench: all
	@sh bench/run.sh

clean:
	rm -rf $(BUILD) target
