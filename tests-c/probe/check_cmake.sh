#!/bin/sh
# The CMake package, end to end. `make install` into a staging root twice (PREFIX=/usr/local
# with the default LIBDIR, then LIBDIR=/usr/local/lib/x86_64-linux-gnu as Debian's multiarch
# layout), each time:
#   - the installed tree holds the libraries, headers, .pc files and lib*/cmake/libevent/, and
#     neither the .pc nor the CMake files name the staging directory;
#   - a CMake project finds it with only CMAKE_PREFIX_PATH=<stage>/usr/local:
#       find_package(Libevent 2.1 REQUIRED COMPONENTS core extra pthreads)
#     checks the variables and imported targets libevent's own config defines, and builds a
#     timer/evutil program against libevent::core and a threaded one against libevent::core
#     libevent::pthreads (evthread_use_pthreads, event_active from another thread); both run
#     with LD_LIBRARY_PATH=<stage>/lib... and must have the staged libevent-2.1.so.7 mapped
#     (/proc/self/maps); the same project with LIBEVENT_STATIC_LINK=TRUE links the archive and
#     maps no libevent at all;
#   - version requests: 2.0, 2.1, 2.1.12, 2.1.12 EXACT and the range 2.0...<3.0 are accepted;
#     2.1.13, 2.2, 3.0, 2.1 EXACT and 1.0...<2.1 are not; find_package(Libevent 3.0 REQUIRED)
#     and an unknown REQUIRED component stop the configure step;
#   - `make uninstall` with the same variables leaves only two foreign files planted beforehand
#     (and their directories), and a second uninstall is harmless.
# Then an install at its real place (no DESTDIR) reached through a symbolic link lib -> usr/lib,
# as on a merged-/usr system: the headers must still be found at the installed includedir.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP PIPE
fail=0
bad() { echo "FAIL: $*"; fail=1; }
command -v cmake >/dev/null 2>&1 || { echo "FAIL: cmake is not installed (tests-c/deps.sh installs it)"; exit 1; }

cat > "$T/p.c" <<'C'
#include <event2/event.h>
#include <event2/util.h>
#ifdef USE_PTHREADS
#include <event2/thread.h>
#include <pthread.h>
#endif
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int ticks, user_runs;
static struct event *user_ev;

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    if (++ticks == 3) event_base_loopexit(arg, NULL);
}

static void on_user(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    user_runs++;
}

#ifdef USE_PTHREADS
static void *activator(void *arg)
{
    (void)arg;
    usleep(10 * 1000);
    event_active(user_ev, EV_READ, 0);   /* from another thread: the loop must wake up */
    return NULL;
}
#endif

/* argv[1]: the directory the shared libevent must be mapped from, or "-" for none at all */
int main(int argc, char **argv)
{
    const char *libdir = argc > 1 ? argv[1] : "";
#ifdef USE_PTHREADS
    if (evthread_use_pthreads() != 0) { puts("evthread_use_pthreads failed"); return 2; }
#endif
    struct event_base *base = event_base_new();
    if (!base) return 3;
    struct event *tm = event_new(base, -1, EV_PERSIST, on_timer, base);
    user_ev = event_new(base, -1, 0, on_user, NULL);
    struct timeval every = { 0, 20 * 1000 }, t0, t1, dt;
    if (!tm || !user_ev || event_add(tm, &every) != 0) return 4;
    evutil_gettimeofday(&t0, NULL);
#ifdef USE_PTHREADS
    pthread_t th;
    if (pthread_create(&th, NULL, activator, NULL) != 0) return 5;
#else
    event_active(user_ev, EV_READ, 0);
#endif
    if (event_base_dispatch(base) < 0) return 6;
#ifdef USE_PTHREADS
    pthread_join(th, NULL);
#endif
    evutil_gettimeofday(&t1, NULL);
    evutil_timersub(&t1, &t0, &dt);
    char num[16];
    evutil_snprintf(num, sizeof num, "%d", ticks);
    int ok = ticks == 3 && user_runs == 1 && evutil_timercmp(&dt, &every, >)
        && evutil_strtoll(num, NULL, 10) == 3 && strcmp(event_get_version(), "2.1.12-stable") == 0;
    char line[4096]; int mapped = 0, elsewhere = 0; FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f)) {
        if (!strstr(line, "libevent")) continue;
        if (strcmp(libdir, "-") != 0 && *libdir && strstr(line, libdir)) {
            if (strstr(line, "/libevent-2.1.so.7")) mapped = 1;
        } else {
            elsewhere = 1;
        }
    }
    if (f) fclose(f);
    int where_ok = strcmp(libdir, "-") == 0 ? !mapped && !elsewhere : mapped && !elsewhere;
    printf("ticks %d user %d elapsed %ld.%03lds method %s version %s mapped %d elsewhere %d\n",
           ticks, user_runs, (long)dt.tv_sec, (long)dt.tv_usec / 1000, event_base_get_method(base),
           event_get_version(), mapped, elsewhere);
    event_free(tm); event_free(user_ev);
    event_base_free(base);
    return ok && where_ok ? 0 : 1;
}
C

# The consumer project. WANT_LIBDIR/WANT_INCDIR: where the targets must point.
mkdir -p "$T/proj"
cp "$T/p.c" "$T/proj/p.c"
cat > "$T/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(p C)
find_package(Libevent 2.1 REQUIRED COMPONENTS core extra pthreads)

function(expect what got want)
  if(NOT "${got}" STREQUAL "${want}")
    message(FATAL_ERROR "${what}: got '${got}', want '${want}'")
  endif()
endfunction()
get_filename_component(_d "${Libevent_DIR}" REALPATH)
get_filename_component(_w "${WANT_LIBDIR}/cmake/libevent" REALPATH)
expect("Libevent_DIR" "${_d}" "${_w}")
foreach(v LIBEVENT_FOUND Libevent_FOUND Libevent_core_FOUND Libevent_extra_FOUND
          Libevent_pthreads_FOUND LIBEVENT_core_FOUND LIBEVENT_pthreads_FOUND)
  if(NOT ${v})
    message(FATAL_ERROR "${v} is not true")
  endif()
endforeach()
expect("LIBEVENT_VERSION" "${LIBEVENT_VERSION}" "2.1.12")
expect("LIBEVENT_LIBRARIES" "${LIBEVENT_LIBRARIES}" "libevent::core;libevent::extra;libevent::pthreads")
expect("LIBEVENT_INCLUDE_DIRS" "${LIBEVENT_INCLUDE_DIRS}" "${WANT_INCDIR}")
if(LIBEVENT_STATIC_LINK)
  set(kind STATIC_LIBRARY)
else()
  set(kind SHARED_LIBRARY)
endif()
foreach(c core extra pthreads openssl)
  get_target_property(type libevent::${c} TYPE)
  get_target_property(loc libevent::${c} IMPORTED_LOCATION)
  get_target_property(inc libevent::${c} INTERFACE_INCLUDE_DIRECTORIES)
  get_target_property(link libevent::${c} INTERFACE_LINK_LIBRARIES)
  expect("libevent::${c} TYPE" "${type}" "${kind}")
  expect("libevent::${c} INTERFACE_INCLUDE_DIRECTORIES" "${inc}" "${WANT_INCDIR}")
  if(LIBEVENT_STATIC_LINK)
    expect("libevent::${c} IMPORTED_LOCATION" "${loc}" "${WANT_LIBDIR}/libevent_${c}.a")
  else()
    get_target_property(soname libevent::${c} IMPORTED_SONAME)
    expect("libevent::${c} IMPORTED_LOCATION" "${loc}" "${WANT_LIBDIR}/libevent_${c}-2.1.so.7.0.1")
    expect("libevent::${c} IMPORTED_SONAME" "${soname}" "libevent_${c}-2.1.so.7")
  endif()
  if(NOT c STREQUAL "core")
    expect("libevent::${c} INTERFACE_LINK_LIBRARIES" "${link}" "libevent::core")
  endif()
  if(NOT EXISTS "${loc}")
    message(FATAL_ERROR "libevent::${c}: ${loc} does not exist")
  endif()
endforeach()

add_executable(p p.c)
target_link_libraries(p libevent::core)
add_executable(pt p.c)
target_compile_definitions(pt PRIVATE USE_PTHREADS)
target_link_libraries(pt libevent::core libevent::pthreads)
CM

# Version requests: each line "request found?", tried one by one in a fresh configure.
mkdir -p "$T/ver"
cat > "$T/ver/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.19)
project(v C)
foreach(req "2.0" "2.1" "2.1.12" "2.1.12 EXACT" "2.0...<3.0" "2.1.13" "2.2" "3.0" "2.1 EXACT" "1.0...<2.1")
  separate_arguments(args UNIX_COMMAND "${req}")
  unset(Libevent_DIR CACHE)
  find_package(Libevent ${args} QUIET COMPONENTS core)
  message(STATUS "version-probe [${req}] ${Libevent_FOUND}")
  unset(Libevent_FOUND)
endforeach()
CM
want_versions='[2.0] 1
[2.1] 1
[2.1.12] 1
[2.1.12 EXACT] 1
[2.0...<3.0] 1
[2.1.13] 0
[2.2] 0
[3.0] 0
[2.1 EXACT] 0
[1.0...<2.1] 0'

# A project that must not configure: $1 = the find_package arguments.
must_fail() { # name find_package-args text-the-error-must-contain
  mkdir -p "$T/$1"
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(%s C)\nfind_package(%s)\n' "$1" "$2" > "$T/$1/CMakeLists.txt"
  if cmake -S "$T/$1" -B "$T/$1/b" -DCMAKE_PREFIX_PATH="$P" >"$T/$1.log" 2>&1; then
    bad "[$layout] find_package($2) succeeded"
  elif ! grep -q "$3" "$T/$1.log"; then
    bad "[$layout] find_package($2) failed, but not over '$3':"; sed -n '1,20p' "$T/$1.log"
  else
    echo "[$layout] find_package($2) fails as it must"
  fi
  rm -rf "$T/$1"
}

for layout in lib multiarch; do
  D="$T/root-$layout"; P="$D/usr/local"
  if [ $layout = lib ]; then
    libdir=/usr/local/lib
    set -- PREFIX=/usr/local DESTDIR="$D"
  else
    libdir=/usr/local/lib/x86_64-linux-gnu
    set -- PREFIX=/usr/local DESTDIR="$D" LIBDIR=$libdir INCLUDEDIR=/usr/local/include
  fi
  L="$D$libdir"; I="$D/usr/local/include"; C="$L/cmake/libevent"
  if ! env -u LIBDIR -u INCLUDEDIR make -s -C "$ROOT" install "$@" >"$T/install.log" 2>&1; then
    bad "[$layout] make install $*"; sed -n '1,20p' "$T/install.log"; continue
  fi
  for f in libevent-2.1.so.7.0.1 libevent-2.1.so.7 libevent.so libevent.a libevent_core.a \
           libevent_core-2.1.so.7 libevent_extra-2.1.so.7 libevent_pthreads-2.1.so.7 libevent_openssl-2.1.so.7 \
           libevent_core.so libevent_pthreads.so pkgconfig/libevent.pc pkgconfig/libevent_pthreads.pc \
           cmake/libevent/LibeventConfig.cmake cmake/libevent/LibeventConfigVersion.cmake \
           cmake/libevent/LibeventTargets.cmake; do
    [ -e "$L/$f" ] || bad "[$layout] make install did not install ${L#"$D"}/$f"
  done
  for f in event2/event.h event2/thread.h event2/util.h event.h evutil.h; do
    [ -e "$I/$f" ] || bad "[$layout] make install did not install /usr/local/include/$f"
  done
  if [ $layout = multiarch ] && [ -e "$D/usr/local/lib/libevent-2.1.so.7" ]; then
    bad "[$layout] libraries went to /usr/local/lib, not LIBDIR"
  fi
  if grep -l "$D" "$L"/pkgconfig/*.pc "$C"/*.cmake 2>/dev/null; then
    bad "[$layout] the files above name the DESTDIR path"
  fi
  grep -q "^libdir=$libdir\$" "$L/pkgconfig/libevent.pc" || bad "[$layout] libevent.pc: libdir is not $libdir"
  grep -q '^includedir=/usr/local/include$' "$L/pkgconfig/libevent.pc" || bad "[$layout] libevent.pc: wrong includedir"
  grep -q "\"$libdir\"" "$C/LibeventTargets.cmake" || bad "[$layout] LibeventTargets.cmake does not name $libdir"

  # the consumer project: shared, then static
  for kind in shared static; do
    B="$T/build-$layout-$kind"
    static=FALSE; [ $kind = static ] && static=TRUE
    if ! cmake -S "$T/proj" -B "$B" -DCMAKE_PREFIX_PATH="$P" -DLIBEVENT_STATIC_LINK=$static \
         -DWANT_LIBDIR="$L" -DWANT_INCDIR="$I" >"$T/cmake.log" 2>&1; then
      bad "[$layout $kind] cmake configure"; sed -n '1,30p' "$T/cmake.log"; continue
    fi
    echo "[$layout $kind] $(grep 'Found Libevent' "$T/cmake.log" | sed "s|$T|\$T|g")"
    if ! cmake --build "$B" >"$T/build.log" 2>&1; then
      bad "[$layout $kind] cmake --build"; sed -n '1,30p' "$T/build.log"; continue
    fi
    for exe in p pt; do
      if [ $kind = shared ]; then
        # libevent-2.1.so.7 holds the code; the component sonames are there too unless the
        # linker runs --as-needed (they have no code, so it drops them)
        needed=$(readelf -d "$B/$exe" | sed -n 's/.*(NEEDED).*\[\(libevent[^]]*\)\].*/\1/p' | sort | paste -sd' ')
        ok_names="libevent-2.1.so.7 libevent_core-2.1.so.7"
        [ $exe = pt ] && ok_names="$ok_names libevent_pthreads-2.1.so.7"
        case " $needed " in *" libevent-2.1.so.7 "*) ;; *) bad "[$layout $kind] $exe does not need libevent-2.1.so.7 ($needed)";; esac
        for n in $needed; do
          case " $ok_names " in *" $n "*) ;; *) bad "[$layout $kind] $exe needs $n";; esac
        done
        arg="$L/"
      else
        arg=-; needed=""
      fi
      if out=$(LD_LIBRARY_PATH="$L" timeout 20 "$B/$exe" "$arg" 2>&1); then
        echo "[$layout $kind] $exe (needs ${needed:-no libevent}): $out"
      else
        bad "[$layout $kind] $exe: $out"
      fi
    done
    rm -rf "$B"
  done

  # version requests and failures
  if cmake -S "$T/ver" -B "$T/ver/b" -DCMAKE_PREFIX_PATH="$P" >"$T/ver.log" 2>&1; then
    got=$(sed -n 's/^-- version-probe \(.*\) \(1\|TRUE\|0\|FALSE\|\)$/\1 \2/p' "$T/ver.log" |
          sed -e 's/ TRUE$/ 1/' -e 's/ FALSE$/ 0/' -e 's/ $/ 0/')
    if [ "$got" = "$want_versions" ]; then
      echo "[$layout] version requests: $(echo "$got" | paste -sd, | sed 's/,/, /g')"
    else
      bad "[$layout] version requests:"; echo "$got"
    fi
  else
    bad "[$layout] version probe configure"; sed -n '1,20p' "$T/ver.log"
  fi
  rm -rf "$T/ver/b"
  must_fail v30 "Libevent 3.0 REQUIRED" "version: 2.1.12"
  must_fail bogus "Libevent 2.1 REQUIRED COMPONENTS core bogus" "has no component bogus"

  # uninstall: plant foreign files first; they and their directories must stay
  echo other > "$L/pkgconfig/other.pc"; echo other > "$I/event2/other.h"
  if ! env -u LIBDIR -u INCLUDEDIR make -s -C "$ROOT" uninstall "$@" >"$T/uninstall.log" 2>&1; then
    bad "[$layout] make uninstall"; sed -n '1,20p' "$T/uninstall.log"
  fi
  left=$(cd "$D" && find . ! -type d | sort | paste -sd' ')
  want="./usr/local/include/event2/other.h .${libdir}/pkgconfig/other.pc"
  [ "$left" = "$want" ] || bad "[$layout] after make uninstall the tree holds: $left"
  [ -d "$C" ] && bad "[$layout] make uninstall left ${C#"$D"}"
  env -u LIBDIR -u INCLUDEDIR make -s -C "$ROOT" uninstall "$@" >"$T/uninstall2.log" 2>&1 ||
    bad "[$layout] a second make uninstall failed"
  echo "[$layout] $(sed "s|$T|\$T|g" "$T/uninstall.log"); left: $left"
  rm -rf "$D"
done

# Installed at its real place, found through a symbolic link: R/lib -> usr/lib.
R="$T/real"
if env -u LIBDIR -u INCLUDEDIR make -s -C "$ROOT" install PREFIX="$R/usr" >"$T/install.log" 2>&1; then
  ln -s usr/lib "$R/lib"
  mkdir -p "$T/link"
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(l C)\nfind_package(Libevent 2.1 REQUIRED COMPONENTS core)\nmessage(STATUS "link-probe ${Libevent_DIR} ${LIBEVENT_INCLUDE_DIRS}")\n' > "$T/link/CMakeLists.txt"
  if cmake -S "$T/link" -B "$T/link/b" -DCMAKE_PREFIX_PATH="$R" -DLibevent_DIR="$R/lib/cmake/libevent" >"$T/link.log" 2>&1; then
    got=$(sed -n 's/^-- link-probe //p' "$T/link.log")
    [ "$got" = "$R/lib/cmake/libevent $R/usr/include" ] ||
      bad "[symlink] found through the link, the headers should be $R/usr/include: $got"
    echo "[symlink] through $R/lib: include dirs ${got#* }" | sed "s|$T|\$T|g"
  else
    bad "[symlink] configure"; sed -n '1,20p' "$T/link.log"
  fi
  env -u LIBDIR -u INCLUDEDIR make -s -C "$ROOT" uninstall PREFIX="$R/usr" >/dev/null 2>&1 || bad "[symlink] uninstall"
else
  bad "[symlink] make install PREFIX=$R/usr"; sed -n '1,20p' "$T/install.log"
fi

[ $fail = 0 ] && echo "ok: CMake package (find_package(Libevent 2.1 ...), libevent:: targets) from staged installs in lib/ and lib/x86_64-linux-gnu, shared and static; make uninstall removes exactly what was installed"
exit $fail
