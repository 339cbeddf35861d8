/* A soname shim: libevent_core-2.1.so.7, libevent_extra-2.1.so.7, ... carry no code of
 * their own. Each depends on libevent-2.1.so.7, where every symbol lives, so a program that
 * loads several of these names still gets one copy of the library's state. */
int levent_soname_shim_marker_;
