// Package importer brings the answers of a communauté de communes' own
// forms into Campagnon: residents' needs and offers, and the census of the
// territory's businesses, exported by the form tool as CSV or XLSX.
//
// An import has two steps. Validate reads the whole file and checks every
// row and every cell against a Mapping (which column holds which field,
// how the form words its answers) and against the territory: its
// communes, its plugin's categories, payment modes and listing rules. It
// writes nothing and returns a Report listing every problem — line,
// column, value, what is wrong in French and English, and a suggestion
// when one can be made ("Ferte St Aubain" → La Ferté-Saint-Aubin) — and
// the notices that need no correction (empty lines skipped, columns
// ignored, duplicates imported once, rows already imported). Apply then
// writes a clean report in one transaction: every row or none.
//
// # What files are read
//
// CSV as French spreadsheets and form tools write it: ";" "," or tab
// between cells (sniffed from the first lines, outside quotes), UTF-8 with
// or without a byte-order mark or Windows-1252 — line by line, so a file
// whose lines were pasted together from both encodings reads right and the
// report says which lines were Windows-1252 —, CRLF, LF or old Mac CR line
// ends, dates as dd/mm/yyyy (with or without a time, or ISO), amounts with a
// decimal comma, a thousands space and a "€". XLSX through excelize: the
// first sheet unless the mapping names one, raw cell values (a date cell is
// a serial number whatever its display format, read as a date), and merged
// cells read as if the top-left value were written in each cell they cover
// (a commune merged over the three answers of one village counts for each
// answer; the report notes it). The header line is the first of the ten
// first non-empty lines that names at least two of the mapping's columns,
// so a title line above it is skipped.
//
// Files are bounded: MaxFileBytes, MaxRows data lines, MaxColumns columns,
// MaxCellBytes per cell, and MaxProblems problems kept in a report (the
// report counts the others). A file beyond a bound gets a report saying
// so, never a partial import.
//
// # What a row becomes
//
// A resident's need or offer becomes a listing of the territory, so that it
// counts in the needs observatory (core/observatory) like the needs posted
// on the platform: published at the date of the form's answer (noon,
// French time, when the answer has no time), in its category, commune and
// payment modes. Three choices follow from what an imported answer is:
//
//   - Its owner is the territory's import account, one per territory,
//     named "Formulaires — <territory>", which stands for the CC's forms.
//     The people who answered a form have no account and gave no password;
//     creating accounts in their name would be false (and sign-up belongs
//     to them). The import account's address is under the reserved
//     ".invalid" domain, so no email can ever reach or come from it; it is
//     marked verified so that the retention job (accounts never verified
//     are deleted after 7 days, core/account) keeps it, and its password is
//     the hash of a random secret thrown away at once: nobody can sign in
//     with it. Territory admins see it in their members' list.
//   - Its status is closed: it counts in the observatory (a need published,
//     then closed, without a request is unmet — which is the truth: nobody
//     answered it through the platform) but it is not published for
//     residents to answer, since the people who answered the form did not
//     agree to be published and nobody would read the requests made on it.
//     No search-index change is queued for it: a closed listing is never
//     in the index.
//   - The respondent's name, email and phone are kept only when the
//     mapping names a consent column and the row says yes, on the row's
//     import record (not on the listing), and cleared ContactRetention
//     after the import by Purge.
//
// A business of the census becomes a census record (census_businesses):
// company name, SIRET (checked with core/credential's checksum, the one
// sign-up uses), NAF, SAP number, commune, services and contact. It is not
// an account and not a listing: the business has not joined; the record
// is for the territory's admins (the census CSV export) until it does. Its
// contact is kept (a business's contact answering the CC's census) unless
// the mapping names a consent column and the row says no, and is cleared
// ContactRetention after the import.
//
// # The territory's rules
//
// A need or offer is checked like one posted on the platform: its fields
// (title 5 to 120 characters, description at most 4,000, a price from
// 0,01 € to 10,000 €), its commune in the territory, its category and
// modes among the plugin's, and the plugin's validate_listing. The plugin
// is asked once per combination of kind, category, modality, modes, price
// and commune that it accepts: a call costs 0.3 to 0.6 ms through the
// WebAssembly host, a minute for 100,000 lines, and a plugin reads a
// listing's text only for the warnings it gives its author, which an
// import does not show. A combination refused once is asked again line by
// line (the refusal may be the line's own text). A plugin that does not
// answer, after a second try, stops the validation with an error: its
// lines cannot be judged.
//
// # Re-importing
//
// Each row gets a stable key: the SHA-256 of the form's response ID when
// the mapping has a source_id column (the form tool's timestamp or answer
// number, scoped by the mapping's form name), of the SIRET for a business,
// and otherwise of the row's interpreted content (commune code, category,
// kind, date, text, contact) — so that reformatting a file in a spreadsheet
// (a date re-typed, "Ferté St Aubin" for "La Ferté-Saint-Aubin") does not
// make it new. The keys of imported rows are recorded in import_rows: a
// row whose key is there is skipped (the report counts it), so importing
// the same file twice creates nothing the second time, and a file
// corrected after a refused import creates every row once. Two rows of
// one file with the same key are imported once when they say the same
// thing, and are a problem to correct when they do not (one SIRET, two
// companies).
//
// # Writing
//
// Apply runs in one store.WriteTx: the import account if missing, the
// imports row, then the listings or census records and their import_rows
// in batches, with a progress callback. Any error rolls everything back.
// On SQLite the transaction holds the write lock for its duration (a few
// seconds for 100,000 rows): other writes wait. On PostgreSQL a concurrent
// import of the same rows fails on import_rows' primary key and is rolled
// back whole.
//
// The web page keeps a validated file (and only a clean one) in the
// imports table, status held, until it is applied or HeldRetention has
// passed (Purge deletes it), because a second request may reach another
// replica.
package importer
