/*
 * event2/tag_compat.h
 *
 * Old unprefixed names of two event2/tag.h functions.  Includes nothing;
 * include event2/tag.h as well to use them.
 */
#ifndef EVENT2_TAG_COMPAT_H_INCLUDED_
#define EVENT2_TAG_COMPAT_H_INCLUDED_

#define encode_int(evbuf, number) evtag_encode_int((evbuf), (number))
#define encode_int64(evbuf, number) evtag_encode_int64((evbuf), (number))

#endif /* EVENT2_TAG_COMPAT_H_INCLUDED_ */
