// One end of a flow as every flow table shows it: "ip:port", then who the
// address is when enrichment said (its owner in the AWS inventory: the
// instance's Name tag, else the interface's kind; its GeoIP country; its
// AWS service): "10.0.1.5:443 (web-1 · US)".
import { fieldValue } from './query.js';

// side: "source" or "destination".
export function endpointText(source, side) {
  const ip = fieldValue(source, `${side}.ip`);
  if (ip === undefined) return '';
  // ICMP has no ports: flow logs write 0 for both; show the address alone.
  const icmp = /icmp/.test(fieldValue(source, 'network.transport') || '');
  const port = icmp && !fieldValue(source, `${side}.port`) ? undefined : fieldValue(source, `${side}.port`);
  const text = port === undefined ? String(ip) : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const kind = fieldValue(source, `${side}.aws.interface.type`);
  const owner = fieldValue(source, `${side}.aws.instance.name`) ?? fieldValue(source, `${side}.aws.instance.id`)
    ?? (kind && kind !== 'interface' ? kind : undefined);
  const tags = [owner, fieldValue(source, `${side}.geo.country_iso_code`), fieldValue(source, `${side}.aws.service`)]
    .filter((t) => t !== undefined && t !== null);
  return tags.length ? `${text} (${tags.join(' · ')})` : text;
}
