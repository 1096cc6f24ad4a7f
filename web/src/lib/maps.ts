// Links that open the phone's maps app on a site.
import type { Schemas } from '@/api/client'

type SiteSnapshot = NonNullable<Schemas['Intervention']['site']>

function addressText(site: SiteSnapshot): string {
  const address = site.address
  return address ? [...address.lines, `${address.postal_code} ${address.city}`].join(', ') : ''
}

/** Directions in the maps app (Google Maps URL: opens the app on Android and iOS, else the web). */
export function directionsUrl(site: SiteSnapshot | null): string {
  if (!site) return ''
  const destination = site.location
    ? `${site.location.latitude},${site.location.longitude}`
    : addressText(site)
  return `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(destination)}`
}

/** A geo: URI (RFC 5870) for any maps app that registers it. */
export function geoUri(site: SiteSnapshot | null): string {
  if (!site) return ''
  if (site.location) {
    const { latitude, longitude } = site.location
    return `geo:${latitude},${longitude}?q=${latitude},${longitude}(${encodeURIComponent(site.name)})`
  }
  return `geo:0,0?q=${encodeURIComponent(addressText(site))}`
}

export function siteAddress(site: SiteSnapshot | null): string {
  return site ? addressText(site) : ''
}
