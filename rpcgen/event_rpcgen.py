#!/usr/bin/env python3
"""event_rpcgen: turn an RPC schema (.rpc) into C message types for evrpc and evtag.

Usage: event_rpcgen.py [-h] [--quiet] [--verbose] RPC_FILE [OUTPUT_HEADER] [OUTPUT_SOURCE]

The outputs default to RPC_FILE with ".rpc" replaced by ".gen.h" and ".gen.c".

The schema is a list of structs:

    /* comments, C or C++ style */
    #include <something.h>        lines starting with '#' are copied into the header
    struct name {
        [optional | array] TYPE member [ '[' LENGTH ']' ] = TAG ;
        ...
    }

TYPE is int (32 bits), int64, string, bytes (with [LENGTH]: a fixed-size array, otherwise a
length-delimited blob) or struct[other] (another struct of the schema, nested). TAG is a
number (0 to 2^31-1), decimal or 0x hex, unique within the struct. A member that is neither
optional nor an array is required: a message without it is incomplete.

For every struct NAME the generated code has the API libevent's generator gives programs:
struct NAME with an accessor table (so EVTAG_ASSIGN / EVTAG_GET / EVTAG_ARRAY_* work),
NAME_new, NAME_new_with_arg, NAME_free, NAME_clear, NAME_marshal, NAME_unmarshal,
NAME_complete, evtag_marshal_NAME, evtag_unmarshal_NAME and NAME_MEMBER_assign/_get/_add, and
an enum of the tags. The wire format is evtag records: each member as (tag, length, payload),
members in schema order, array elements as repeated records, nested structs as a record
holding the nested struct's records.

Only the Python 3 standard library is used.
"""

import argparse
import os
import re
import sys

VERSION = "0.1"


class SchemaError(Exception):
    def __init__(self, filename, line, reason):
        super().__init__("%s:%d: %s" % (filename, line, reason))


class Member:
    def __init__(self, line):
        self.line = line
        self.kind = "required"  # or optional, array
        self.type = None  # int, int64, string, bytes, struct
        self.struct = None  # for struct members: the nested struct's name
        self.length = None  # for fixed bytes
        self.name = None
        self.tag = None


class Struct:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.members = []


# ---- reading the schema ----

TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r]+)
  | (?P<newline>\n)
  | (?P<comment>/\*.*?\*/)
  | (?P<open_comment>/\*)
  | (?P<linecomment>//[^\n]*)
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}\[\]=;])
    """,
    re.VERBOSE | re.DOTALL,
)


def tokenize(text, filename):
    """Tokens as (kind, value, line); '#' lines go to the directives list."""
    tokens, directives = [], []
    line = 1
    pos = 0
    at_line_start = True
    while pos < len(text):
        if at_line_start:
            m = re.match(r"[ \t]*#[^\n]*", text[pos:])
            if m:
                directives.append(m.group(0).strip())
                pos += m.end()
                continue
        m = TOKEN.match(text, pos)
        if not m:
            raise SchemaError(filename, line, "unexpected character %r" % text[pos])
        kind = m.lastgroup
        value = m.group(kind)
        pos = m.end()
        if kind == "open_comment":
            raise SchemaError(filename, line, "comment not closed")
        if kind == "newline":
            line += 1
            at_line_start = True
            continue
        if kind == "comment":
            line += value.count("\n")
            continue
        if kind in ("space", "linecomment"):
            continue
        at_line_start = False
        tokens.append((kind, value, line))
    return tokens, directives


class Parser:
    def __init__(self, tokens, filename):
        self.tokens = tokens
        self.i = 0
        self.filename = filename

    def line(self):
        if self.i < len(self.tokens):
            return self.tokens[self.i][2]
        return self.tokens[-1][2] if self.tokens else 1

    def fail(self, reason, line=None):
        raise SchemaError(self.filename, line or self.line(), reason)

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None, self.line())

    def take(self, what=None, kind=None):
        tok = self.peek()
        if tok[0] is None:
            self.fail("unexpected end of file" + (", expected %r" % what if what else ""))
        if what is not None and tok[1] != what:
            self.fail("expected %r, found %r" % (what, tok[1]))
        if kind is not None and tok[0] != kind:
            self.fail("expected a %s, found %r" % (kind, tok[1]))
        self.i += 1
        return tok

    def parse(self):
        structs = []
        while self.peek()[0] is not None:
            structs.append(self.parse_struct())
        return structs

    def parse_struct(self):
        kw = self.take(kind="word")
        if kw[1] != "struct":
            self.fail("expected 'struct', found %r" % kw[1])
        name = self.take(kind="word")
        st = Struct(name[1], name[2])
        self.take("{")
        while self.peek()[1] != "}":
            st.members.append(self.parse_member())
        self.take("}")
        if self.peek()[1] == ";":
            self.take(";")
        return st

    def parse_member(self):
        m = Member(self.line())
        tok = self.take(kind="word")
        if tok[1] in ("optional", "array"):
            m.kind = tok[1]
            tok = self.take(kind="word")
        if tok[1] in ("int", "int64", "string", "bytes"):
            m.type = tok[1]
        elif tok[1] == "struct":
            m.type = "struct"
            self.take("[")
            m.struct = self.take(kind="word")[1]
            self.take("]")
        else:
            self.fail("unknown type %r" % tok[1])
        m.name = self.take(kind="word")[1]
        if self.peek()[1] == "[":
            self.take("[")
            num = self.take(kind="number")
            self.take("]")
            if m.type != "bytes":
                self.fail("only bytes members may have a fixed length", m.line)
            m.length = int(num[1], 0)
            if m.length <= 0:
                self.fail("a fixed length must be positive", m.line)
        self.take("=")
        tag = self.take(kind="number")
        m.tag = int(tag[1], 0)
        self.take(";")
        return m


def check(structs, filename):
    names = {}
    for st in structs:
        if st.name in names:
            raise SchemaError(filename, st.line, "struct %s defined twice" % st.name)
        names[st.name] = st
    for st in structs:
        tags, members = {}, {}
        for m in st.members:
            if m.name in members:
                raise SchemaError(filename, m.line, "member %s repeated in struct %s" % (m.name, st.name))
            members[m.name] = m
            if m.tag > 0x7FFFFFFF:
                raise SchemaError(filename, m.line, "tag %d of %s out of range (0 to 2147483647)" % (m.tag, m.name))
            if m.tag in tags:
                raise SchemaError(filename, m.line, "tag %d of %s already used by %s" % (m.tag, m.name, tags[m.tag]))
            tags[m.tag] = m.name
            if m.type == "struct" and m.struct not in names:
                raise SchemaError(filename, m.line, "struct %s used by %s is not defined" % (m.struct, m.name))
            if m.kind == "array" and m.type == "bytes":
                raise SchemaError(filename, m.line, "arrays of bytes are not supported (%s)" % m.name)


# ---- writing C ----

def ctype(m):
    """The C type of one value of the member."""
    return {
        "int": "ev_uint32_t",
        "int64": "ev_uint64_t",
        "string": "char *",
        "bytes": "ev_uint8_t *",
        "struct": "struct %s *" % m.struct,
    }[m.type]


def const_in(m):
    """How an assign/add function takes one value."""
    return {
        "int": "const ev_uint32_t",
        "int64": "const ev_uint64_t",
        "string": "const char *",
        "struct": "const struct %s *" % m.struct,
    }[m.type]


def assign_proto(st, m, fname):
    s = "struct %s *" % st.name
    if m.kind == "array":
        return "int %s(%s, int, %s)" % (fname, s, const_in(m))
    if m.type == "bytes" and m.length is None:
        return "int %s(%s, const ev_uint8_t *, ev_uint32_t)" % (fname, s)
    if m.type == "bytes":
        return "int %s(%s, const ev_uint8_t *)" % (fname, s)
    return "int %s(%s, %s)" % (fname, s, const_in(m))


def get_proto(st, m, fname):
    s = "struct %s *" % st.name
    if m.kind == "array":
        return "int %s(%s, int, %s*)" % (fname, s, ctype(m))
    if m.type == "bytes" and m.length is None:
        return "int %s(%s, ev_uint8_t **, ev_uint32_t *)" % (fname, s)
    return "int %s(%s, %s*)" % (fname, s, ctype(m))


def add_proto(st, m, fname):
    s = "struct %s *" % st.name
    if m.type == "struct":
        return "%s%s(%s)" % (ctype(m), fname, s)
    return "%s*%s(%s, %s)" % (ctype(m), fname, s, const_in(m))


def ptr_decl(proto, name):
    """A prototype turned into a function-pointer member called name."""
    m = re.match(r"(.*?)(\w+)\((.*)\)$", proto)
    return "%s(*%s)(%s)" % (m.group(1), name, m.group(3))


def guard_of(path):
    return "EVENT_RPCOUT_" + re.sub(r"[^A-Za-z0-9]", "_", os.path.basename(path)).upper() + "_"


def gen_header(structs, directives, rpcfile, hfile):
    o = []
    w = o.append
    g = guard_of(hfile)
    w("/*\n * Generated by event_rpcgen %s from %s. Do not edit.\n */" % (VERSION, os.path.basename(rpcfile)))
    w("#ifndef %s\n#define %s\n" % (g, g))
    w("#include <event2/util.h> /* ev_uint*_t */")
    w("#include <event2/rpc.h>")
    for d in directives:
        w(d)
    w("")
    w("#ifdef __cplusplus\nextern \"C\" {\n#endif\n")
    for st in structs:
        w("struct %s;" % st.name)
    w("")
    for st in structs:
        n, N = st.name, st.name.upper()
        w("/* %s: tags */" % n)
        w("enum %s_ {" % n)
        for m in st.members:
            w("  %s_%s=%d," % (N, m.name.upper(), m.tag))
        w("  %s_MAX_TAGS\n};\n" % N)
        w("/* %s: accessors, as EVTAG_ASSIGN / EVTAG_GET / EVTAG_ARRAY_* call them */" % n)
        w("struct %s_access_ {" % n)
        for m in st.members:
            w("  %s;" % ptr_decl(assign_proto(st, m, "x"), m.name + "_assign"))
            w("  %s;" % ptr_decl(get_proto(st, m, "x"), m.name + "_get"))
            if m.kind == "array":
                w("  %s;" % ptr_decl(add_proto(st, m, "x"), m.name + "_add"))
        w("};\n")
        w("struct %s {" % n)
        w("  struct %s_access_ *base;\n" % n)
        for m in st.members:
            if m.kind == "array":
                w("  %s*%s_data;" % (ctype(m), m.name))
                w("  int %s_length;" % m.name)
                w("  int %s_num_allocated;" % m.name)
            elif m.type == "bytes" and m.length is not None:
                w("  ev_uint8_t %s_data[%d];" % (m.name, m.length))
            elif m.type == "bytes":
                w("  ev_uint8_t *%s_data;" % m.name)
                w("  ev_uint32_t %s_length;" % m.name)
            else:
                w("  %s;" % join_name(ctype(m), m.name + "_data"))
        w("")
        for m in st.members:
            w("  ev_uint8_t %s_set;" % m.name)
        w("};\n")
        w("struct %s *%s_new(void);" % (n, n))
        w("struct %s *%s_new_with_arg(void *);" % (n, n))
        w("void %s_free(struct %s *);" % (n, n))
        w("void %s_clear(struct %s *);" % (n, n))
        w("void %s_marshal(struct evbuffer *, const struct %s *);" % (n, n))
        w("int %s_unmarshal(struct %s *, struct evbuffer *);" % (n, n))
        w("int %s_complete(struct %s *);" % (n, n))
        w("void evtag_marshal_%s(struct evbuffer *, ev_uint32_t, const struct %s *);" % (n, n))
        w("int evtag_unmarshal_%s(struct evbuffer *, ev_uint32_t, struct %s *);" % (n, n))
        for m in st.members:
            w("%s;" % assign_proto(st, m, "%s_%s_assign" % (n, m.name)))
            w("%s;" % get_proto(st, m, "%s_%s_get" % (n, m.name)))
            if m.kind == "array":
                w("%s;" % add_proto(st, m, "%s_%s_add" % (n, m.name)))
        w("/* end of %s */\n" % n)
    w("#ifdef __cplusplus\n}\n#endif\n")
    w("#endif /* %s */" % g)
    return "\n".join(o) + "\n"


def marshal_one(m, tagc, val):
    """C statement writing one value of m under tag constant tagc."""
    if m.type == "int":
        return "evtag_marshal_int(evbuf, %s, %s);" % (tagc, val)
    if m.type == "int64":
        return "evtag_marshal_int64(evbuf, %s, %s);" % (tagc, val)
    if m.type == "string":
        return "evtag_marshal_string(evbuf, %s, %s);" % (tagc, val)
    if m.type == "struct":
        return "evtag_marshal_%s(evbuf, %s, %s);" % (m.struct, tagc, val)
    raise AssertionError(m.type)


def gen_struct_source(st, nested):
    n, N = st.name, st.name.upper()
    o = []
    w = o.append
    w("/* ---- %s ---- */\n" % n)
    w("static struct %s_access_ %s_access_table_ = {" % (n, n))
    for m in st.members:
        w("  %s_%s_assign," % (n, m.name))
        w("  %s_%s_get," % (n, m.name))
        if m.kind == "array":
            w("  %s_%s_add," % (n, m.name))
    w("};\n")

    w("struct %s *\n%s_new(void)\n{\n  return %s_new_with_arg(NULL);\n}\n" % (n, n, n))
    w("struct %s *\n%s_new_with_arg(void *unused)\n{" % (n, n))
    w("  struct %s *msg = calloc(1, sizeof(*msg));" % n)
    w("  (void)unused;")
    w("  if (msg == NULL) {\n    event_warn(\"%s: calloc\", __func__);\n    return NULL;\n  }")
    w("  msg->base = &%s_access_table_;\n  return msg;\n}\n" % n)

    # growing arrays
    for m in st.members:
        if m.kind != "array":
            continue
        w("static int\n%s_%s_grow_(struct %s *msg)\n{" % (n, m.name, n))
        w("  int want = msg->%s_num_allocated ? msg->%s_num_allocated * 2 : 1;" % (m.name, m.name))
        w("  %s*p;" % ctype(m))
        w("  if (want <= msg->%s_num_allocated)\n    return -1;" % m.name)
        w("  p = realloc(msg->%s_data, (size_t)want * sizeof(*p));" % m.name)
        w("  if (p == NULL)\n    return -1;")
        w("  msg->%s_data = p;\n  msg->%s_num_allocated = want;\n  return 0;\n}\n" % (m.name, m.name))

    for m in st.members:
        f = "%s_%s" % (n, m.name)
        d = "msg->%s_data" % m.name
        # ---- assign ----
        w("%s\n{" % re.sub(r"\((.*)\)$", lambda mm: "(" + name_params(mm.group(1), m) + ")", assign_proto(st, m, f + "_assign")))
        if m.kind == "array":
            w("  if (!msg->%s_set || off < 0 || off >= msg->%s_length)\n    return -1;" % (m.name, m.name))
            if m.type in ("int", "int64"):
                w("  %s[off] = value;\n  return 0;\n}\n" % d)
            elif m.type == "string":
                w("  {\n    char *copy = rpcgen_strdup_(value);\n    if (copy == NULL)\n      return -1;")
                w("    free(%s[off]);\n    %s[off] = copy;\n  }\n  return 0;\n}\n" % (d, d))
            else:
                w("  return %s_copy_(%s[off], value);\n}\n" % (m.struct, d))
        elif m.type in ("int", "int64"):
            w("  %s = value;\n  msg->%s_set = 1;\n  return 0;\n}\n" % (d, m.name))
        elif m.type == "string":
            w("  char *copy = rpcgen_strdup_(value);\n  if (copy == NULL)\n    return -1;")
            w("  free(%s);\n  %s = copy;\n  msg->%s_set = 1;\n  return 0;\n}\n" % (d, d, m.name))
        elif m.type == "bytes" and m.length is not None:
            w("  memcpy(%s, value, %d);\n  msg->%s_set = 1;\n  return 0;\n}\n" % (d, m.length, m.name))
        elif m.type == "bytes":
            w("  ev_uint8_t *copy = malloc(len ? len : 1);\n  if (copy == NULL)\n    return -1;")
            w("  if (len)\n    memcpy(copy, value, len);")
            w("  free(%s);\n  %s = copy;\n  msg->%s_length = len;\n  msg->%s_set = 1;\n  return 0;\n}\n"
              % (d, d, m.name, m.name))
        else:
            w("  if (%s == NULL) {\n    %s = %s_new();\n    if (%s == NULL)\n      return -1;\n  }" % (d, d, m.struct, d))
            w("  if (%s_copy_(%s, value) == -1) {" % (m.struct, d))
            w("    %s_free(%s);\n    %s = NULL;\n    msg->%s_set = 0;\n    return -1;\n  }" % (m.struct, d, d, m.name))
            w("  msg->%s_set = 1;\n  return 0;\n}\n" % m.name)
        # ---- get ----
        w("%s\n{" % re.sub(r"\((.*)\)$", lambda mm: "(" + name_get_params(mm.group(1), m) + ")", get_proto(st, m, f + "_get")))
        if m.kind == "array":
            w("  if (!msg->%s_set || off < 0 || off >= msg->%s_length)\n    return -1;" % (m.name, m.name))
            w("  *value = %s[off];\n  return 0;\n}\n" % d)
        elif m.type == "struct":
            w("  if (msg->%s_set != 1) {" % m.name)
            w("    if (%s == NULL)\n      %s = %s_new();" % (d, d, m.struct))
            w("    if (%s == NULL)\n      return -1;\n    msg->%s_set = 1;\n  }" % (d, m.name))
            w("  *value = %s;\n  return 0;\n}\n" % d)
        else:
            w("  if (msg->%s_set != 1)\n    return -1;\n  *value = %s;" % (m.name, d))
            if m.type == "bytes" and m.length is None:
                w("  *plen = msg->%s_length;" % m.name)
            w("  return 0;\n}\n")
        # ---- add ----
        if m.kind == "array":
            w("%s\n{" % re.sub(r"\((.*)\)$", lambda mm: "(" + name_add_params(mm.group(1), m) + ")", add_proto(st, m, f + "_add")))
            w("  if (msg->%s_length >= msg->%s_num_allocated && %s_%s_grow_(msg) == -1)\n    return NULL;"
              % (m.name, m.name, n, m.name))
            if m.type in ("int", "int64"):
                w("  %s[msg->%s_length] = value;" % (d, m.name))
            elif m.type == "string":
                w("  if (value == NULL)\n    %s[msg->%s_length] = NULL;" % (d, m.name))
                w("  else if ((%s[msg->%s_length] = rpcgen_strdup_(value)) == NULL)\n    return NULL;" % (d, m.name))
            else:
                w("  if ((%s[msg->%s_length] = %s_new()) == NULL)\n    return NULL;" % (d, m.name, m.struct))
                w("  msg->%s_set = 1;\n  return %s[msg->%s_length++];\n}\n" % (m.name, d, m.name))
                continue
            w("  msg->%s_set = 1;\n  return &%s[msg->%s_length++];\n}\n" % (m.name, d, m.name))

    # ---- clear / free ----
    w("void\n%s_clear(struct %s *msg)\n{" % (n, n))
    for m in st.members:
        d = "msg->%s_data" % m.name
        if m.kind == "array":
            w("  {\n    int i;\n    for (i = 0; i < msg->%s_length; i++) {" % m.name)
            if m.type == "string":
                w("      free(%s[i]);" % d)
            elif m.type == "struct":
                w("      %s_free(%s[i]);" % (m.struct, d))
            else:
                w("      (void)i;")
            w("    }\n  }")
            w("  free(%s);\n  %s = NULL;\n  msg->%s_length = 0;\n  msg->%s_num_allocated = 0;" % (d, d, m.name, m.name))
        elif m.type == "string" or (m.type == "bytes" and m.length is None):
            w("  free(%s);\n  %s = NULL;" % (d, d))
            if m.type == "bytes":
                w("  msg->%s_length = 0;" % m.name)
        elif m.type == "bytes":
            w("  memset(%s, 0, sizeof(%s));" % (d, d))
        elif m.type == "struct":
            w("  if (%s != NULL)\n    %s_free(%s);\n  %s = NULL;" % (d, m.struct, d, d))
        else:
            w("  %s = 0;" % d)
        w("  msg->%s_set = 0;" % m.name)
    w("}\n")
    w("void\n%s_free(struct %s *msg)\n{\n  if (msg == NULL)\n    return;\n  %s_clear(msg);\n  free(msg);\n}\n" % (n, n, n))

    # ---- marshal ----
    w("void\n%s_marshal(struct evbuffer *evbuf, const struct %s *msg)\n{" % (n, n))
    for m in st.members:
        tagc = "%s_%s" % (N, m.name.upper())
        d = "msg->%s_data" % m.name
        if m.kind == "array":
            w("  {\n    int i;\n    for (i = 0; msg->%s_set && i < msg->%s_length; i++)" % (m.name, m.name))
            if m.type == "string":
                w("      if (%s[i] != NULL)\n        %s" % (d, marshal_one(m, tagc, d + "[i]")))
            else:
                w("      %s" % marshal_one(m, tagc, d + "[i]"))
            w("  }")
            continue
        if m.type == "bytes" and m.length is not None:
            stmt = "evtag_marshal(evbuf, %s, %s, %d);" % (tagc, d, m.length)
        elif m.type == "bytes":
            stmt = "evtag_marshal(evbuf, %s, %s, msg->%s_length);" % (tagc, d, m.name)
        else:
            stmt = marshal_one(m, tagc, d)
        if m.kind == "optional" or m.type in ("string", "struct") or (m.type == "bytes" and m.length is None):
            # optional members only when set; pointers never when absent
            w("  if (msg->%s_set)\n    %s" % (m.name, stmt))
        else:
            w("  %s" % stmt)
    w("}\n")

    # ---- unmarshal ----
    w("int\n%s_unmarshal(struct %s *msg, struct evbuffer *evbuf)\n{" % (n, n))
    w("  ev_uint32_t tag;\n  while (evbuffer_get_length(evbuf) > 0) {")
    w("    if (evtag_peek(evbuf, &tag) == -1)\n      return -1;\n    switch (tag) {")
    for m in st.members:
        tagc = "%s_%s" % (N, m.name.upper())
        d = "msg->%s_data" % m.name
        w("    case %s:" % tagc)
        if m.kind == "array":
            w("      if (msg->%s_length >= msg->%s_num_allocated && %s_%s_grow_(msg) == -1)\n        return -1;"
              % (m.name, m.name, n, m.name))
            slot = "%s[msg->%s_length]" % (d, m.name)
            if m.type == "int":
                w("      if (evtag_unmarshal_int(evbuf, %s, &%s) == -1)" % (tagc, slot))
            elif m.type == "int64":
                w("      if (evtag_unmarshal_int64(evbuf, %s, &%s) == -1)" % (tagc, slot))
            elif m.type == "string":
                w("      if (evtag_unmarshal_string(evbuf, %s, &%s) == -1)" % (tagc, slot))
            else:
                w("      if ((%s = %s_new()) == NULL)\n        return -1;" % (slot, m.struct))
                w("      if (evtag_unmarshal_%s(evbuf, %s, %s) == -1) {" % (m.struct, tagc, slot))
                w("        %s_free(%s);\n        %s = NULL;" % (m.struct, slot, slot))
                w("        event_warnx(\"%%s: cannot read %s\", __func__);\n        return -1;\n      }" % m.name)
                w("      msg->%s_length++;\n      msg->%s_set = 1;\n      break;" % (m.name, m.name))
                continue
            w("      {\n        event_warnx(\"%%s: cannot read %s\", __func__);\n        return -1;\n      }" % m.name)
            w("      msg->%s_length++;\n      msg->%s_set = 1;\n      break;" % (m.name, m.name))
            continue
        w("      if (msg->%s_set)\n        return -1;" % m.name)
        if m.type == "int":
            w("      if (evtag_unmarshal_int(evbuf, %s, &%s) == -1)" % (tagc, d))
        elif m.type == "int64":
            w("      if (evtag_unmarshal_int64(evbuf, %s, &%s) == -1)" % (tagc, d))
        elif m.type == "string":
            w("      free(%s);\n      %s = NULL;" % (d, d))
            w("      if (evtag_unmarshal_string(evbuf, %s, &%s) == -1)" % (tagc, d))
        elif m.type == "bytes" and m.length is not None:
            w("      if (evtag_unmarshal_fixed(evbuf, %s, %s, %d) == -1)" % (tagc, d, m.length))
        elif m.type == "bytes":
            w("      free(%s);\n      %s = NULL;" % (d, d))
            w("      if (evtag_payload_length(evbuf, &msg->%s_length) == -1 ||" % m.name)
            w("          msg->%s_length > evbuffer_get_length(evbuf) ||" % m.name)
            w("          (%s = malloc(msg->%s_length ? msg->%s_length : 1)) == NULL ||" % (d, m.name, m.name))
            w("          evtag_unmarshal_fixed(evbuf, %s, %s, msg->%s_length) == -1)" % (tagc, d, m.name))
        else:
            w("      if (%s == NULL && (%s = %s_new()) == NULL)\n        return -1;" % (d, d, m.struct))
            w("      if (evtag_unmarshal_%s(evbuf, %s, %s) == -1)" % (m.struct, tagc, d))
        w("      {\n        event_warnx(\"%%s: cannot read %s\", __func__);\n        return -1;\n      }" % m.name)
        w("      msg->%s_set = 1;\n      break;" % m.name)
    w("    default:\n      return -1;\n    }\n  }")
    w("  return %s_complete(msg) == -1 ? -1 : 0;\n}\n" % n)

    # ---- complete ----
    w("int\n%s_complete(struct %s *msg)\n{" % (n, n))
    for m in st.members:
        d = "msg->%s_data" % m.name
        if m.kind == "required":
            w("  if (!msg->%s_set)\n    return -1;" % m.name)
        if m.type == "struct":
            if m.kind == "array":
                w("  {\n    int i;\n    for (i = 0; msg->%s_set && i < msg->%s_length; i++)" % (m.name, m.name))
                w("      if (%s_complete(%s[i]) == -1)\n        return -1;\n  }" % (m.struct, d))
            else:
                w("  if (msg->%s_set && %s_complete(%s) == -1)\n    return -1;" % (m.name, m.struct, d))
    w("  return 0;\n}\n")

    # ---- nested records ----
    w("int\nevtag_unmarshal_%s(struct evbuffer *evbuf, ev_uint32_t need_tag, struct %s *msg)\n{" % (n, n))
    w("  ev_uint32_t tag;\n  int res = -1;\n  struct evbuffer *inner = evbuffer_new();")
    w("  if (inner == NULL)\n    return -1;")
    w("  if (evtag_unmarshal(evbuf, &tag, inner) != -1 && tag == need_tag && %s_unmarshal(msg, inner) != -1)" % n)
    w("    res = 0;\n  evbuffer_free(inner);\n  return res;\n}\n")
    w("void\nevtag_marshal_%s(struct evbuffer *evbuf, ev_uint32_t tag, const struct %s *msg)\n{" % (n, n))
    w("  struct evbuffer *inner = evbuffer_new();\n  if (inner == NULL) {")
    w("    event_warn(\"%s: evbuffer_new\", __func__);\n    return;\n  }")
    w("  %s_marshal(inner, msg);\n  evtag_marshal_buffer(evbuf, tag, inner);\n  evbuffer_free(inner);\n}\n" % n)

    if not nested:
        return o
    # ---- deep copy (struct members' assign) ----
    w("static int\n%s_copy_(struct %s *to, const struct %s *from)\n{" % (n, n, n))
    w("  int res = -1;\n  struct evbuffer *tmp = evbuffer_new();\n  if (tmp == NULL)\n    return -1;")
    w("  %s_clear(to);\n  %s_marshal(tmp, from);" % (n, n))
    w("  if (%s_unmarshal(to, tmp) != -1)\n    res = 0;\n  else\n    %s_clear(to);" % (n, n))
    w("  evbuffer_free(tmp);\n  return res;\n}\n")
    return o


def name_params(params, m):
    """Name the parameters of an assign prototype."""
    parts = [p.strip() for p in params.split(",")]
    names = ["msg"]
    if m.kind == "array":
        names += ["off", "value"]
    elif m.type == "bytes" and m.length is None:
        names += ["value", "len"]
    else:
        names += ["value"]
    return ", ".join(join_name(p, nm) for p, nm in zip(parts, names))


def name_get_params(params, m):
    parts = [p.strip() for p in params.split(",")]
    names = ["msg"]
    if m.kind == "array":
        names += ["off", "value"]
    elif m.type == "bytes" and m.length is None:
        names += ["value", "plen"]
    else:
        names += ["value"]
    return ", ".join(join_name(p, nm) for p, nm in zip(parts, names))


def name_add_params(params, m):
    parts = [p.strip() for p in params.split(",")]
    return ", ".join(join_name(p, nm) for p, nm in zip(parts, ["msg", "value"]))


def join_name(ctype_, name):
    return ctype_ + name if ctype_.endswith("*") else ctype_ + " " + name


def gen_source(structs, rpcfile, hfile):
    o = []
    w = o.append
    w("/*\n * Generated by event_rpcgen %s from %s. Do not edit.\n */\n" % (VERSION, os.path.basename(rpcfile)))
    w("#include <stdlib.h>\n#include <string.h>")
    w("#include <event2/event-config.h>\n#include <event2/event.h>\n#include <event2/buffer.h>\n#include <event2/tag.h>\n")
    w("#include \"%s\"\n" % os.path.basename(hfile))
    w("void event_warn(const char *fmt, ...);\nvoid event_warnx(const char *fmt, ...);\n")
    if any(m.type == "string" for st in structs for m in st.members):
        # strdup is not in strict ISO C modes
        w("static char *\nrpcgen_strdup_(const char *s)\n{")
        w("  size_t n = strlen(s) + 1;\n  char *p = malloc(n);\n  if (p != NULL)\n    memcpy(p, s, n);\n  return p;\n}\n")
    used = set()
    for st in structs:
        for m in st.members:
            if m.type == "struct":
                used.add(m.struct)
    # the copy helpers (assigning a nested struct) are used before their definitions
    for st in structs:
        if st.name in used:
            w("static int %s_copy_(struct %s *, const struct %s *);" % (st.name, st.name, st.name))
    w("")
    for st in structs:
        o.extend(gen_struct_source(st, st.name in used))
    return "\n".join(o) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="event_rpcgen.py", description="Generate evrpc/evtag C code from an .rpc schema.")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    ap.add_argument("--verbose", action="store_true", help="say what is read and written")
    ap.add_argument("rpc_file", metavar="RPC_FILE")
    ap.add_argument("header", metavar="OUTPUT_HEADER", nargs="?")
    ap.add_argument("source", metavar="OUTPUT_SOURCE", nargs="?")
    args = ap.parse_args(argv)

    rpcfile = args.rpc_file
    base = rpcfile[:-4] if rpcfile.endswith(".rpc") else rpcfile
    hfile = args.header or base + ".gen.h"
    cfile = args.source or base + ".gen.c"
    try:
        with open(rpcfile, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print("event_rpcgen: %s: %s" % (rpcfile, e.strerror), file=sys.stderr)
        return 1
    try:
        tokens, directives = tokenize(text, rpcfile)
        structs = Parser(tokens, rpcfile).parse()
        if not structs:
            raise SchemaError(rpcfile, 1, "no struct defined")
        check(structs, rpcfile)
    except SchemaError as e:
        print("event_rpcgen: %s" % e, file=sys.stderr)
        return 1
    if args.verbose:
        for st in structs:
            print("struct %s: %d members" % (st.name, len(st.members)))
    with open(hfile, "w", encoding="utf-8") as f:
        f.write(gen_header(structs, directives, rpcfile, hfile))
    with open(cfile, "w", encoding="utf-8") as f:
        f.write(gen_source(structs, rpcfile, hfile))
    if not args.quiet:
        print("event_rpcgen: wrote %s and %s" % (hfile, cfile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
