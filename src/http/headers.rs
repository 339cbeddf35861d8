//! struct evkeyvalq header lists.
