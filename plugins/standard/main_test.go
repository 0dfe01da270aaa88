package main

import (
	"testing"

	"github.com/campagnon/campagnon/plugins/standard/rules"
)

func TestManifest(t *testing.T) {
	t.Parallel()
	if err := manifest.Check(); err != nil {
		t.Fatal(err)
	}
	if manifest.ID != "campagnon.standard" || len(manifest.Territories) != 0 {
		t.Errorf("manifest %s for %v, want campagnon.standard for any territory", manifest.ID, manifest.Territories)
	}
}

func TestEmbeddedDefaultIsValid(t *testing.T) {
	t.Parallel()
	p, err := handlers.ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.(*rules.Policy).Categories().Check(); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidConfigurationIsRefusedInFrench(t *testing.T) {
	t.Parallel()
	_, err := handlers.ParseConfig([]byte(`{"categories": [{"id": "transport", "label": "Transport", "icon": "car", "transport": true, "modes": {"resident": ["professional"]}}]}`))
	if err == nil {
		t.Fatal("a paid transport between residents was accepted")
	}
	t.Log(err)
}
