package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// mergedRefs returns the merged ranges ("B3:B5") of the sheet named sheet
// of an XLSX file, reading the sheet's XML as a stream: workbook.xml names
// the sheet's relation, its relations file the sheet's part, and the
// <mergeCell ref="…"/> elements follow the sheet's data. A "<" never
// appears in cell text (XML escapes it), so looking for the elements tag
// by tag is safe.
func mergedRefs(data []byte, sheet string) ([]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	part, err := sheetPart(zr, sheet)
	if err != nil {
		return nil, err
	}
	f, err := zr.Open(part)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", sheet, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, maxUnzipped), 64<<10)
	var refs []string
	for {
		tag, err := br.ReadSlice('>')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long text run without a tag: nothing to find in it.
			continue
		}
		if m := mergeCellTag.FindSubmatch(tag); m != nil {
			if refs = append(refs, string(m[1])); len(refs) > maxMerged {
				return refs, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return refs, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

var mergeCellTag = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7})"`)

// sheetPart returns the zip path of the sheet named sheet.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	id := ""
	if err := eachElement(zr, "xl/workbook.xml", "sheet", func(attrs map[string]string) bool {
		if attrs["name"] == sheet {
			id = attrs["id"]
			return false
		}
		return true
	}); err != nil {
		return "", err
	}
	target := ""
	if err := eachElement(zr, "xl/_rels/workbook.xml.rels", "Relationship", func(attrs map[string]string) bool {
		if attrs["Id"] == id {
			target = attrs["Target"]
			return false
		}
		return true
	}); err != nil {
		return "", err
	}
	if id == "" || target == "" {
		return "", fmt.Errorf("sheet %q not found in the workbook", sheet)
	}
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/"), nil
	}
	return path.Join("xl", target), nil
}

// eachElement calls fn with the attributes (by local name) of each element
// named local of the zip's part name, until fn returns false.
func eachElement(zr *zip.Reader, name, local string, fn func(map[string]string) bool) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := xml.NewDecoder(io.LimitReader(f, maxUnzippedMemory))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != local {
			continue
		}
		attrs := make(map[string]string, len(se.Attr))
		for _, a := range se.Attr {
			attrs[a.Name.Local] = a.Value
		}
		if !fn(attrs) {
			return nil
		}
	}
}
