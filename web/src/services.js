// Names of common service ports, shown beside the numbers.

// IANA's service names of common ports (port 0: flows without ports, ICMP).
const SERVICES = { 0: 'no port', 20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'domain',
  67: 'bootps', 68: 'bootpc', 80: 'http', 88: 'kerberos', 110: 'pop3', 111: 'sunrpc', 123: 'ntp', 135: 'epmap',
  137: 'netbios-ns', 139: 'netbios-ssn', 143: 'imap', 161: 'snmp', 389: 'ldap', 443: 'https', 445: 'microsoft-ds',
  465: 'submissions', 514: 'syslog', 587: 'submission', 636: 'ldaps', 873: 'rsync', 993: 'imaps', 995: 'pop3s',
  1433: 'ms-sql-s', 1521: 'ncube-lm', 2049: 'nfs', 2375: 'docker', 2376: 'docker-s', 3306: 'mysql',
  3389: 'ms-wbt-server', 5432: 'postgresql', 5900: 'rfb', 6379: 'redis', 8080: 'http-alt', 8443: 'pcsync-https',
  11211: 'memcache', 27017: 'mongodb' };
export function serviceName(port) { return SERVICES[port]; }
