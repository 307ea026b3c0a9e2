// A world map of traffic by country: each country shaded by its share of
// the largest value (square-root scale, so that small values still show), its
// value on hover, a click to filter on it. Country shapes: Natural Earth's
// 1:110m countries from the world-atlas package (TopoJSON), keyed by ISO
// 3166-1 numeric codes; flows carry alpha-2 codes (GeoIP), mapped with
// i18n-iso-countries.
import { geoEqualEarth, geoPath } from 'd3-geo';
import isoCountries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import countries110m from 'world-atlas/countries-110m.json';

const NS = 'http://www.w3.org/2000/svg';
let world = null;  // the countries as GeoJSON features, made on first use

function countries() {
  if (!world) {
    world = feature(countries110m, countries110m.objects.countries).features
      .filter((f) => f.properties.name !== 'Antarctica')
      .map((f) => ({ feature: f, iso: f.id ? isoCountries.numericToAlpha2(f.id) : undefined }));
  }
  return world;
}

// '#rrggbb' between `from` and `to` at t in [0, 1].
function mix(from, to, t) {
  const a = [1, 3, 5].map((i) => parseInt(from.slice(i, i + 2), 16));
  const b = [1, 3, 5].map((i) => parseInt(to.slice(i, i + 2), 16));
  return `#${a.map((x, i) => Math.round(x + (b[i] - x) * t).toString(16).padStart(2, '0')).join('')}`;
}

export const MAP_COLORS = { all: '#1f4fa8', ACCEPT: '#1f7a52', REJECT: '#b32d2d' };

// An <svg> of the world; `values`: Map of alpha-2 code -> number. format(v)
// says a value in words; onClick(code) is called for a country with a value.
export function worldMap(values, { width = 800, color = MAP_COLORS.all, format = String, onClick } = {}) {
  const height = Math.round(width * 0.49);
  const projection = geoEqualEarth().fitExtent([[4, 4], [width - 4, height - 4]], { type: 'Sphere' });
  const path = geoPath(projection);
  const max = Math.max(0, ...values.values());
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'world-map');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Traffic by country');
  const sphere = document.createElementNS(NS, 'path');
  sphere.setAttribute('d', path({ type: 'Sphere' }));
  sphere.setAttribute('class', 'sphere');
  svg.append(sphere);
  for (const { feature: f, iso } of countries()) {
    const v = iso ? values.get(iso) || 0 : 0;
    const p = document.createElementNS(NS, 'path');
    p.setAttribute('d', path(f));
    p.setAttribute('class', v > 0 ? 'country has-value' : 'country');
    if (iso) p.dataset.iso = iso;
    if (v > 0) {
      p.dataset.value = String(v);
      p.style.fill = mix('#dbe4f0', color, 0.15 + 0.85 * Math.sqrt(v / max));
      if (onClick) p.addEventListener('click', () => onClick(iso));
    }
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${f.properties.name}${iso ? ` (${iso})` : ''}: ${v > 0 ? format(v) : 'no traffic'}`;
    p.append(title);
    svg.append(p);
  }
  return svg;
}
