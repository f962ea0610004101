package remote

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxExpand bounds how many hosts one pattern may expand to.
const maxExpand = 100000

// ExpandHosts reads a clush-style host list: comma-separated names, each
// with optional numeric ranges in brackets — "mw[1001-1003,1005].eqiad.wmnet,deploy1002"
// — keeping zero padding ("h[01-10]"). Duplicates are dropped; order is kept.
func ExpandHosts(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, item := range splitTopLevel(list) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		names, err := expandItem(item)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		if len(out) > maxExpand {
			return nil, fmt.Errorf("host list %q expands to more than %d hosts; narrow the ranges", list, maxExpand)
		}
	}
	return out, nil
}

// splitTopLevel splits at commas outside brackets.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func expandItem(item string) ([]string, error) {
	open := strings.IndexByte(item, '[')
	if open < 0 {
		if strings.IndexByte(item, ']') >= 0 {
			return nil, fmt.Errorf("host %q has a ] without [; write ranges as name[1-5]", item)
		}
		return []string{item}, nil
	}
	end := strings.IndexByte(item[open:], ']')
	if end < 0 {
		return nil, fmt.Errorf("host %q has a [ without ]; write ranges as name[1-5]", item)
	}
	end += open
	prefix, body, rest := item[:open], item[open+1:end], item[end+1:]
	tails, err := expandItem(rest)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, part := range strings.Split(body, ",") {
		lo, hi, found := strings.Cut(part, "-")
		if !found {
			hi = lo
		}
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA != nil || errB != nil || a < 0 || b < a {
			return nil, fmt.Errorf("host %q: bad range %q; write ranges as [1-5] or [01-10,12]", item, part)
		}
		if b-a >= maxExpand {
			return nil, fmt.Errorf("host %q: range %q is too big; narrow it", item, part)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n++ {
			num := fmt.Sprintf("%0*d", width, n)
			for _, t := range tails {
				out = append(out, prefix+num+t)
			}
		}
	}
	return out, nil
}

// FoldHosts is ExpandHosts' inverse for display: "h1,h2,h3,h5" → "h[1-3,5]".
// Names are grouped by what surrounds their last number, in first-seen order.
func FoldHosts(hosts []string) string {
	type group struct {
		prefix, suffix string
		nums           []string
	}
	byKey := map[string]*group{}
	order := []any{} // plain names (string) and groups, in first-seen order
	for _, h := range hosts {
		end := strings.LastIndexFunc(h, isDigit) + 1
		if end == 0 {
			order = append(order, h)
			continue
		}
		start := end
		for start > 0 && isDigit(rune(h[start-1])) {
			start--
		}
		key := h[:start] + "\x00" + h[end:]
		g := byKey[key]
		if g == nil {
			g = &group{prefix: h[:start], suffix: h[end:]}
			byKey[key] = g
			order = append(order, g)
		}
		g.nums = append(g.nums, h[start:end])
	}
	var parts []string
	for _, o := range order {
		switch v := o.(type) {
		case string:
			parts = append(parts, v)
		case *group:
			if len(v.nums) == 1 {
				parts = append(parts, v.prefix+v.nums[0]+v.suffix)
				continue
			}
			parts = append(parts, v.prefix+"["+foldNumbers(v.nums)+"]"+v.suffix)
		}
	}
	return strings.Join(parts, ",")
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// foldNumbers turns ["1","2","3","5"] into "1-3,5"; zero-padded numbers
// only run on with numbers of their own width.
func foldNumbers(nums []string) string {
	padded := map[int]bool{} // widths some number is zero-padded to
	for _, s := range nums {
		if len(s) > 1 && s[0] == '0' {
			padded[len(s)] = true
		}
	}
	class := func(s string) int { // the padded width s fits, else 0
		if padded[len(s)] {
			return len(s)
		}
		return 0
	}
	sort.SliceStable(nums, func(i, j int) bool {
		if ci, cj := class(nums[i]), class(nums[j]); ci != cj {
			return ci < cj
		}
		return atoi(nums[i]) < atoi(nums[j])
	})
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && class(nums[j+1]) == class(nums[i]) && atoi(nums[j+1]) == atoi(nums[j])+1 {
			j++
		}
		if j == i {
			parts = append(parts, nums[i])
		} else {
			parts = append(parts, nums[i]+"-"+nums[j])
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
