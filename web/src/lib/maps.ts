// Links that open the phone's maps app on a site.
import type { Intervention } from '@/api/types'

type SiteSnapshot = Intervention['site']

function addressText(site: SiteSnapshot): string {
  return [...site.address.lines, `${site.address.postal_code} ${site.address.city}`].join(', ')
}

/** Directions in the maps app (Google Maps URL: opens the app on Android and iOS, else the web). */
export function directionsUrl(site: SiteSnapshot): string {
  const destination = site.location
    ? `${site.location.latitude},${site.location.longitude}`
    : addressText(site)
  return `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(destination)}`
}

/** A geo: URI (RFC 5870) for any maps app that registers it. */
export function geoUri(site: SiteSnapshot): string {
  if (site.location) {
    const { latitude, longitude } = site.location
    return `geo:${latitude},${longitude}?q=${latitude},${longitude}(${encodeURIComponent(site.name)})`
  }
  return `geo:0,0?q=${encodeURIComponent(addressText(site))}`
}

export function siteAddress(site: SiteSnapshot): string {
  return addressText(site)
}
