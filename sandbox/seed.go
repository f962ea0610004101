package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// seedFS holds the initial content of the sandbox's repositories:
// seed/core, seed/echo, seed/vector, seed/config. A file named dot-X is
// stored as .X in the repository; {{VERSION}} becomes the branch version.
//
//go:embed all:seed
var seedFS embed.FS

// wikis are the sandbox's wikis (database names), all on one version.
var wikis = []string{
	"commonswiki", "cywiki", "dewiki", "enwiki", "frwiki", "mediawikiwiki",
	"newikibooks", "test2wiki", "testwiki", "wikidatawiki",
}

// colorNewLogo is the "static" scenario's new newikibooks logo.
var colorNewLogo = color.RGBA{0x22, 0x88, 0x44, 0xff}

// seedTree reads seed/<name>/ into path → content.
func seedTree(name, version string) (map[string]string, error) {
	files := map[string]string{}
	root := path.Join("seed", name)
	err := fs.WalkDir(seedFS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := seedFS.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		dir, base := path.Split(rel)
		if strings.HasPrefix(base, "dot-") {
			rel = dir + "." + strings.TrimPrefix(base, "dot-")
		}
		files[rel] = strings.ReplaceAll(string(data), "{{VERSION}}", version)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox seed %s: %w", name, err)
	}
	return files, nil
}

// configFiles is operations/mediawiki-config's master: the seed plus the
// files derived from the version and the wiki list.
func configFiles(version string) (map[string]string, error) {
	files, err := seedTree("config", version)
	if err != nil {
		return nil, err
	}
	files["wikiversions.json"] = wikiversionsJSON(version)
	files["dblists/all.dblist"] = strings.Join(wikis, "\n") + "\n"
	files["dblists/group0.dblist"] = "mediawikiwiki\ntest2wiki\ntestwiki\n"
	files["static/images/project-logos/enwiki.png"] = logoPNG(color.RGBA{0x33, 0x66, 0xcc, 0xff})
	files["static/images/project-logos/newikibooks.png"] = logoPNG(color.RGBA{0x99, 0x33, 0x66, 0xff})
	return files, nil
}

// wikiversionsJSON is wikiversions.json as production has it: every wiki
// mapped to "php-<version>", sorted, four-space indented.
func wikiversionsJSON(version string) string {
	m := make(map[string]string, len(wikis))
	for _, w := range wikis {
		m[w] = "php-" + version
	}
	b, _ := json.MarshalIndent(m, "", "    ")
	return string(b) + "\n"
}

// logoPNG draws a small, valid PNG in one colour with a light border.
func logoPNG(c color.RGBA) string {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			if x == 0 || y == 0 || x == 15 || y == 15 {
				img.Set(x, y, color.RGBA{0xee, 0xee, 0xee, 0xff})
			} else {
				img.Set(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.String()
}

// gitmodules is core's .gitmodules on a wmf branch: one entry per
// submodule path, its URL the emulator's bare repository, as production's
// point at gerrit.wikimedia.org.
func gitmodules(subs map[string]string, branch string) string {
	paths := make([]string, 0, len(subs))
	for p := range subs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "[submodule %q]\n\tpath = %s\n\turl = %s\n\tbranch = %s\n", p, p, subs[p], branch)
	}
	return b.String()
}

// edit replaces the one occurrence of old in files[path] with new.
func edit(files map[string]string, p, old, new string) (string, error) {
	s, ok := files[p]
	if !ok {
		return "", fmt.Errorf("sandbox seed: no file %s", p)
	}
	if strings.Count(s, old) != 1 {
		return "", fmt.Errorf("sandbox seed: %s holds %q %d times, want once", p, old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1), nil
}
