#pragma once
// PocketSphinx logs through one process-wide FILE*. A decoder given `-logfn`
// opens that file and closes the previous one, even while decoders on other
// threads are writing to it: a use-after-free that once left a server's
// request blocked for good on the freed stream's lock. So no decoder is given
// `-logfn`; the log is discarded once, before the first decoder is made.
// Thread-safe; idempotent.
namespace orator::speech {

void silence_sphinx_logging();

}  // namespace orator::speech
