package referential

import (
	"bytes"
	"cmp"
	"slices"
	"sort"
	"strings"
)

// MaxQueryLen is the longest query, in bytes, that SearchName and
// SearchEPCI accept; longer queries find nothing.
const MaxQueryLen = 200

// SearchName returns at most limit communes whose name starts with query,
// compared by their name keys (see Normalize) with the spaces between
// words ignored: the search ignores case, accents, hyphens and
// apostrophes, understands the abbreviations that Normalize expands, and
// lets the query omit a leading article ("ferte st aubin" finds
// "La Ferté-Saint-Aubin", "isle adam" finds "L'Isle-Adam"). When the last
// word of the query is an abbreviation, both spellings are tried ("st"
// finds "Saint-…" and "Strasbourg").
//
// Communes whose name has the same name key as the query come first (with
// or without their leading article), then those whose name key differs
// only by spaces ("Lachapelle" for "La Chapelle"), then the others; within
// each group the most populated come first, then by INSEE code. An empty
// query, a query longer than MaxQueryLen bytes, a query without letters or
// digits, or a limit below 1 find nothing.
func (r *Referential) SearchName(query string, limit int) []*Commune {
	ents := r.names.search(query, limit)
	if len(ents) == 0 {
		return nil
	}
	out := make([]*Commune, len(ents))
	for i, e := range ents {
		out[i] = &r.communes[e.ent]
	}
	return out
}

// SearchEPCI returns at most limit EPCI whose name has a word that starts
// with query, compared as SearchName compares commune names: "sologne" and
// "portes de sol" both find "CC des Portes de Sologne". EPCI whose name,
// or the end of whose name from a word on, equals the query come first,
// then the others; within each group the most populated come first, then
// by SIREN code.
// Invalid queries and limits find nothing, as for SearchName.
func (r *Referential) SearchEPCI(query string, limit int) []*EPCI {
	ents := r.epciNames.search(query, limit)
	if len(ents) == 0 {
		return nil
	}
	out := make([]*EPCI, len(ents))
	for i, e := range ents {
		out[i] = &r.epcis[e.ent]
	}
	return out
}

// nameIndex finds entities (communes or EPCI) by a prefix of one of their
// keys. An entity's keys are suffixes of its compact name key (its name
// key without spaces) starting at word boundaries: the whole key, and the
// key without a leading article for communes, or the key from every word
// for EPCI. All keys are sorted in one array, so the keys that start with
// a prefix form one run found by binary search.
type nameIndex struct {
	keys []string // every key, sorted
	ents []int32  // entity of each key
	// pos is the rank of each key among its entity's keys (0 for the whole
	// name) in its low bits, with multiKey set when the entity has others.
	pos  []uint8
	pops []int32 // population of each key's entity
	// entKeys[entOff[e]:entOff[e+1]] are the keys of entity e, longest first.
	entKeys []string
	entOff  []int32
	spaced  []string // name key of each entity, with its spaces
}

// multiKey marks, in nameIndex.pos, the keys of entities with several
// keys; maxPos is the highest rank of a key.
const (
	multiKey = 0x80
	maxPos   = multiKey - 1
)

// indexEntry is one key while the index is built.
type indexEntry struct {
	head uint64 // the first 8 bytes of key, big-endian, zero-padded: sorts as key
	key  string
	ent  int32
	pos  uint8
}

// keyHead packs the first 8 bytes of key so that comparing heads compares
// the keys' beginnings (keys hold no zero byte).
func keyHead(key string) uint64 {
	var h uint64
	for i := range 8 {
		h <<= 8
		if i < len(key) {
			h |= uint64(key[i])
		}
	}
	return h
}

// buildCommuneNames indexes commune names, with and without a leading
// article.
func buildCommuneNames(communes []Commune) nameIndex {
	var b indexBuilder
	b.init(len(communes), len(communes)*9/8, len(communes)*18)
	var spaced []byte
	for i := range communes {
		spaced, _ = appendNormalized(spaced[:0], communes[i].Name, ' ')
		starts := [2]int{0, 0}
		n := 1
		if sp := bytes.IndexByte(spaced, ' '); sp > 0 && isArticle(spaced[:sp]) {
			starts[1] = sp // the compact key has no spaces: the next word starts at sp
			n = 2
		}
		b.add(spaced, starts[:n], communes[i].Population)
	}
	return b.finish()
}

// buildEPCINames indexes EPCI names from every word.
func buildEPCINames(epcis []EPCI) nameIndex {
	var b indexBuilder
	b.init(len(epcis), len(epcis)*8, len(epcis)*40)
	var spaced []byte
	var starts []int
	for i := range epcis {
		spaced, _ = appendNormalized(spaced[:0], epcis[i].Name, ' ')
		starts = starts[:0]
		n := 0 // letters before the current word
		for j, w := range strings.Split(string(spaced), " ") {
			if j <= maxPos {
				starts = append(starts, n)
			}
			n += len(w)
		}
		b.add(spaced, starts, epcis[i].Population)
	}
	return b.finish()
}

// isArticle reports whether w, a normalized word, is a French article that
// may start a commune's name.
func isArticle(w []byte) bool {
	switch string(w) {
	case "la", "le", "les", "l":
		return true
	}
	return false
}

// indexBuilder accumulates the keys of a nameIndex in one byte buffer so
// that all keys share one string.
type indexBuilder struct {
	buf     []byte
	spaced  []byte       // the spaced name keys, one after the other
	spOffs  []int32      // end of each entity's spaced key in spaced
	entries []indexEntry // key offsets into buf until finish
	offs    [][2]int32   // [start, end) of each entry's key in buf
	pops    []int32
	entOff  []int32
}

func (b *indexBuilder) init(nEnt, nKeys, bufSize int) {
	b.entries = make([]indexEntry, 0, nKeys)
	b.offs = make([][2]int32, 0, nKeys)
	b.buf = make([]byte, 0, bufSize)
	b.spaced = make([]byte, 0, bufSize+bufSize/4)
	b.spOffs = make([]int32, 0, nEnt)
	b.pops = make([]int32, 0, nEnt)
	b.entOff = make([]int32, 1, nEnt+1)
}

// add adds one entity whose spaced name key is spaced, with one key for
// each start (an offset in the compact key, ascending).
func (b *indexBuilder) add(spaced []byte, starts []int, population int) {
	ent := int32(len(b.pops))
	begin := len(b.buf)
	for _, c := range spaced {
		if c != ' ' {
			b.buf = append(b.buf, c)
		}
	}
	end := len(b.buf)
	b.spaced = append(b.spaced, spaced...)
	b.spOffs = append(b.spOffs, int32(len(b.spaced)))
	if end > begin {
		for p, s := range starts {
			pos := uint8(p)
			if len(starts) > 1 {
				pos |= multiKey
			}
			b.entries = append(b.entries, indexEntry{ent: ent, pos: pos})
			b.offs = append(b.offs, [2]int32{int32(begin + s), int32(end)})
		}
	}
	b.pops = append(b.pops, int32(min(population, 1<<31-1)))
	b.entOff = append(b.entOff, int32(len(b.entries)))
}

func (b *indexBuilder) finish() nameIndex {
	all := string(b.buf)
	for i := range b.entries {
		b.entries[i].key = all[b.offs[i][0]:b.offs[i][1]]
		b.entries[i].head = keyHead(b.entries[i].key)
	}
	idx := nameIndex{
		entKeys: make([]string, len(b.entries)),
		entOff:  b.entOff,
		spaced:  make([]string, len(b.spOffs)),
	}
	allSpaced := string(b.spaced)
	start := int32(0)
	for i, end := range b.spOffs {
		idx.spaced[i] = allSpaced[start:end]
		start = end
	}
	for i, e := range b.entries {
		idx.entKeys[i] = e.key
	}
	slices.SortFunc(b.entries, func(x, y indexEntry) int {
		if x.head != y.head {
			return cmp.Compare(x.head, y.head)
		}
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return cmp.Compare(x.ent, y.ent)
	})
	n := len(b.entries)
	idx.keys = make([]string, n)
	idx.ents = make([]int32, n)
	idx.pos = make([]uint8, n)
	idx.pops = make([]int32, n)
	for i, e := range b.entries {
		idx.keys[i] = e.key
		idx.ents[i] = e.ent
		idx.pos[i] = e.pos
		idx.pops[i] = b.pops[e.ent]
	}
	return idx
}

// hit is one entity found by a search.
type hit struct {
	ent  int32
	pop  int32
	rank uint8 // matchExact, matchCompact or matchPrefix
}

// How well a key matches a query.
const (
	matchPrefix  = iota // the key starts with the query
	matchCompact        // the key equals the query once spaces are removed
	matchExact          // the name key, or its end from a word on, equals the query's
)

// better reports whether a ranks before b: the better match first, then
// the most populated, then the lowest entity index (the lowest code).
func better(a, b hit) bool {
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if a.pop != b.pop {
		return a.pop > b.pop
	}
	return a.ent < b.ent
}

// search returns the best limit entities whose keys start with query,
// best first.
func (x *nameIndex) search(query string, limit int) []hit {
	if limit < 1 || query == "" || len(query) > MaxQueryLen {
		return nil
	}
	var sbuf, cbuf [3 * MaxQueryLen]byte
	qs, abbrev := appendNormalized(sbuf[:0], query, ' ')
	if len(qs) == 0 {
		return nil
	}
	q := cbuf[:0]
	for _, c := range qs {
		if c != ' ' {
			q = append(q, c)
		}
	}
	var hbuf [32]hit
	t := topK{hits: hbuf[:0], limit: limit}
	x.collect(q, qs, &t)
	if abbrev.short != "" {
		// Also try the last word as typed: "st" may start "Strasbourg".
		// The two spellings share no key, so no entity is found twice.
		cut := len(abbrev.long) - len(abbrev.short)
		copy(q[len(q)-len(abbrev.long):], abbrev.short)
		copy(qs[len(qs)-len(abbrev.long):], abbrev.short)
		x.collect(q[:len(q)-cut], qs[:len(qs)-cut], &t)
	}
	return t.sorted()
}

// collect offers to t every entity with a key that starts with q, once;
// q is the compact query key, qs the spaced one.
func (x *nameIndex) collect(qb, qs []byte, t *topK) {
	q := string(qb)
	keys := x.keys
	lo := sort.SearchStrings(keys, q)
	hi := lo + sort.Search(len(keys)-lo, func(j int) bool { return !strings.HasPrefix(keys[lo+j], q) })
	// The keys equal to q sort first; only their entities can rank above
	// a prefix match.
	var eqBuf [16]int32
	eqEnts := eqBuf[:0]
	eq := lo
	for ; eq < hi && keys[eq] == q; eq++ {
		eqEnts = append(eqEnts, x.ents[eq])
	}
	pops, poss := x.pops[lo:hi], x.pos[lo:hi]
	for j, pop := range pops {
		pos := poss[j]
		if t.full() && pop < t.worst().pop && lo+j >= eq &&
			(pos&multiKey == 0 || !slices.Contains(eqEnts, x.ents[lo+j])) {
			continue // fast path: a prefix match that cannot enter
		}
		ent := x.ents[lo+j]
		entKeys := x.entKeys[x.entOff[ent]:x.entOff[ent+1]]
		p := int(pos &^ multiKey)
		dup := false
		for _, k := range entKeys[:p] {
			if strings.HasPrefix(k, q) {
				dup = true // counted at its longer key
				break
			}
		}
		if dup {
			continue
		}
		rank := uint8(matchPrefix)
		for _, k := range entKeys[p:] {
			if k == q {
				rank = matchCompact
				if spacedSuffix(x.spaced[ent], qs) {
					rank = matchExact
				}
				break
			}
		}
		t.offer(hit{ent: ent, pop: pop, rank: rank})
	}
}

// spacedSuffix reports whether the spaced name key s equals qs or ends
// with " " + qs.
func spacedSuffix(s string, qs []byte) bool {
	n := len(s) - len(qs)
	return n >= 0 && s[n:] == string(qs) && (n == 0 || s[n-1] == ' ')
}

// topK keeps the best limit hits in a heap whose root is the worst.
type topK struct {
	hits  []hit
	limit int
}

func (t *topK) full() bool { return len(t.hits) >= t.limit }

func (t *topK) worst() hit { return t.hits[0] }

func (t *topK) offer(h hit) {
	if len(t.hits) < t.limit {
		t.hits = append(t.hits, h)
		// Sift up: a worse hit moves towards the root.
		i := len(t.hits) - 1
		for i > 0 {
			parent := (i - 1) / 2
			if !better(t.hits[parent], t.hits[i]) {
				break
			}
			t.hits[parent], t.hits[i] = t.hits[i], t.hits[parent]
			i = parent
		}
		return
	}
	if !better(h, t.hits[0]) {
		return
	}
	t.hits[0] = h
	// Sift down.
	i, n := 0, len(t.hits)
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < n && better(t.hits[worst], t.hits[l]) {
			worst = l
		}
		if r < n && better(t.hits[worst], t.hits[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		t.hits[i], t.hits[worst] = t.hits[worst], t.hits[i]
		i = worst
	}
}

// sorted returns the hits best first.
func (t *topK) sorted() []hit {
	slices.SortFunc(t.hits, func(a, b hit) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return t.hits
}
