/*
 * event2/visibility.h
 *
 * EVENT2_EXPORT_SYMBOL marks every public declaration.  For programs it
 * expands to nothing.  When the library's own C glue is compiled with
 * EVENT__BUILDING_LIBRARY defined (and hidden default visibility), it
 * makes the marked symbols exported again.
 */
#ifndef EVENT2_VISIBILITY_H_INCLUDED_
#define EVENT2_VISIBILITY_H_INCLUDED_

#include <event2/event-config.h>

#if defined(EVENT__BUILDING_LIBRARY) && defined(__GNUC__) && __GNUC__ >= 4
# define EVENT2_EXPORT_SYMBOL __attribute__((visibility("default")))
# define EVENT2_CORE_EXPORT_SYMBOL __attribute__((visibility("default")))
#else
# define EVENT2_EXPORT_SYMBOL
# define EVENT2_CORE_EXPORT_SYMBOL
#endif

#endif /* EVENT2_VISIBILITY_H_INCLUDED_ */
