package credential

import (
	"errors"
	"strings"
	"testing"
)

// fastParams keep the tests quick; production uses OWASPParams.
var fastParams = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

type katCase struct{ password, encoded string }

func readKAT(t testing.TB) []katCase {
	t.Helper()
	var cases []katCase
	for _, row := range readTSV(t, "argon2id_kat.tsv", 2) {
		cases = append(cases, katCase{row[0], row[1]})
	}
	return cases
}

func TestVerifyKnownAnswers(t *testing.T) {
	for _, c := range readKAT(t) {
		t.Run(c.encoded[:30], func(t *testing.T) {
			ok, _, err := Verify(c.password, c.encoded, OWASPParams)
			if err != nil || !ok {
				t.Fatalf("Verify(%q) = %v, %v; want true, nil", c.password, ok, err)
			}
			ok, _, err = Verify(c.password+"x", c.encoded, OWASPParams)
			if err != nil || ok {
				t.Fatalf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestHashWithSaltKAT(t *testing.T) {
	t.Parallel()
	salt := []byte("campagnon-kat-01")
	for _, c := range readKAT(t)[1:] {
		p, _, _, err := decodeHash(c.encoded)
		if err != nil {
			t.Fatal(err)
		}
		if got := hashWithSalt(c.password, salt, p); got != c.encoded {
			t.Errorf("hashWithSalt(%q, %+v) = %s, want %s", c.password, p, got, c.encoded)
		}
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	h1, err := Hash("une phrase de passe assez longue", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := Hash("une phrase de passe assez longue", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of the same password are equal: salt not random")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q lacks the PHC prefix", h1)
	}
	tests := []struct {
		name       string
		password   string
		current    Params
		ok, rehash bool
	}{
		{"right password, same params", "une phrase de passe assez longue", fastParams, true, false},
		{"wrong password", "une phrase de passe assez longuE", fastParams, false, false},
		{"empty password", "", fastParams, false, false},
		{"right password, memory raised", "une phrase de passe assez longue", Params{128, 1, 1, 16, 32}, true, true},
		{"right password, iterations raised", "une phrase de passe assez longue", Params{64, 2, 1, 16, 32}, true, true},
		{"right password, parallelism changed", "une phrase de passe assez longue", Params{64, 1, 2, 16, 32}, true, true},
		{"right password, salt length changed", "une phrase de passe assez longue", Params{64, 1, 1, 32, 32}, true, true},
		{"right password, key length changed", "une phrase de passe assez longue", Params{64, 1, 1, 16, 64}, true, true},
		{"wrong password, params changed: no rehash", "nope", Params{128, 1, 1, 16, 32}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := Verify(tt.password, h1, tt.current)
			if err != nil || ok != tt.ok || rehash != tt.rehash {
				t.Errorf("Verify = %v, %v, %v; want %v, %v, nil", ok, rehash, err, tt.ok, tt.rehash)
			}
		})
	}
}

func TestHashRefusesBadParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"no iterations", Params{64, 0, 1, 16, 32}},
		{"too many iterations", Params{64, MaxIterations + 1, 1, 16, 32}},
		{"no parallelism", Params{64, 1, 0, 16, 32}},
		{"too much parallelism", Params{1024, 1, MaxParallelism + 1, 16, 32}},
		{"memory below 8*p", Params{15, 1, 2, 16, 32}},
		{"memory above bound", Params{MaxMemoryKiB + 1, 1, 1, 16, 32}},
		{"short salt", Params{64, 1, 1, MinSaltLen - 1, 32}},
		{"long salt", Params{64, 1, 1, MaxSaltLen + 1, 32}},
		{"short key", Params{64, 1, 1, 16, MinKeyLen - 1}},
		{"long key", Params{64, 1, 1, 16, MaxKeyLen + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Hash("x", tt.p); !errors.Is(err, ErrParams) {
				t.Errorf("Hash(%+v) error = %v, want ErrParams", tt.p, err)
			}
			if _, _, err := Verify("x", readKATFirst, tt.p); !errors.Is(err, ErrParams) {
				t.Errorf("Verify with current %+v error = %v, want ErrParams", tt.p, err)
			}
		})
	}
	if err := OWASPParams.validate(); err != nil {
		t.Errorf("OWASPParams invalid: %v", err)
	}
	if _, err := Hash(strings.Repeat("a", MaxVerifyPasswordBytes+1), fastParams); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Hash(oversized) error = %v, want ErrPasswordTooLong", err)
	}
}

// readKATFirst is a small well-formed hash used where the stored hash must be
// readable.
const readKATFirst = "$argon2id$v=19$m=64,t=1,p=1$Y2FtcGFnbm9uLWthdC0wMQ$6kK6VVDo79HIta/ScdeH3dxghs6iQzbCWIQGN7gEBdA"

func TestVerifyRefusesMalformedAndTampered(t *testing.T) {
	t.Parallel()
	const salt, key = "Y2FtcGFnbm9uLWthdC0wMQ", "6kK6VVDo79HIta/ScdeH3dxghs6iQzbCWIQGN7gEBdA"
	tests := []struct {
		name    string
		encoded string
		want    error
	}{
		{"empty", "", ErrMalformedHash},
		{"bcrypt", "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformedHash},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"params reordered", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"param missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key, ErrMalformedHash},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key, ErrMalformedHash},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"plus sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"uint32 overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"empty value", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key, ErrMalformedHash},
		{"url base64 salt", "$argon2id$v=19$m=64,t=1,p=1$Y2F-cGFnbm9uLWthdC0wMQ$" + key, ErrMalformedHash},
		{"trailing field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$", ErrMalformedHash},
		{"no leading dollar", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$", ErrMalformedHash},
		{"oversized", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 300), ErrMalformedHash},
		{"memory 4 GiB", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, ErrParams},
		{"memory max uint32", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key, ErrParams},
		{"iterations 1e9", "$argon2id$v=19$m=64,t=1000000000,p=1$" + salt + "$" + key, ErrParams},
		{"iterations zero", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key, ErrParams},
		{"parallelism zero", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key, ErrParams},
		{"parallelism 255", "$argon2id$v=19$m=4096,t=1,p=255$" + salt + "$" + key, ErrParams},
		{"parallelism 256 wraps uint8", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key, ErrParams},
		{"empty salt", "$argon2id$v=19$m=64,t=1,p=1$$" + key, ErrParams},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA", ErrParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := Verify("correct horse battery staple", tt.encoded, OWASPParams)
			if ok || rehash || !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q) = %v, %v, %v; want false, false, %v", tt.encoded, ok, rehash, err, tt.want)
			}
		})
	}
	// A flipped bit in the key is a mismatch, not an error.
	i := len(readKATFirst) - 10
	tampered := readKATFirst[:i] + string(readKATFirst[i]^1) + readKATFirst[i+1:]
	if ok, _, err := Verify("correct horse battery staple", tampered, OWASPParams); ok || err != nil {
		t.Errorf("Verify(tampered key) = %v, %v; want false, nil", ok, err)
	}
	if _, _, err := Verify(strings.Repeat("a", MaxVerifyPasswordBytes+1), readKATFirst, OWASPParams); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Verify(oversized password) error = %v, want ErrPasswordTooLong", err)
	}
}

func TestDummyHash(t *testing.T) {
	t.Parallel()
	p, _, _, err := decodeHash(dummyHash)
	if err != nil {
		t.Fatalf("dummy hash unreadable: %v", err)
	}
	if p != OWASPParams {
		t.Errorf("dummy hash params %+v differ from OWASPParams %+v: regenerate it with Hash(…, OWASPParams)", p, OWASPParams)
	}
	DummyVerify()
}

func FuzzVerify(f *testing.F) {
	f.Add("correct horse battery staple", readKATFirst)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("", "$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAA$AAAA")
	f.Add("mot de passe accentué é", "$argon2id$v=19$m=64,t=2,p=1$Y2FtcGFnbm9uLWthdC0wMQ$4gKiRA+hYPnGSp8ToWapMQ")
	f.Fuzz(func(t *testing.T, password, encoded string) {
		// Well-formed hashes with costly (but in-bounds) parameters are parsed
		// only: deriving them would make each run take seconds.
		if p, _, _, err := decodeHash(encoded); err == nil && uint64(p.Memory)*uint64(p.Iterations) > 4096 {
			return
		}
		ok, rehash, err := Verify(password, encoded, fastParams)
		if err != nil && (ok || rehash) {
			t.Fatalf("Verify returned ok=%v rehash=%v with error %v", ok, rehash, err)
		}
		if ok {
			// Anything accepted must be within the bounds.
			if _, _, _, err := decodeHash(encoded); err != nil {
				t.Fatalf("accepted hash fails to decode: %v", err)
			}
		}
	})
}
