package io.cocos.manager.core.host;

/**
 * What the host itself has, as the kernel reports it: read on every call (cheap), so a change (a
 * CPU taken offline) shows at the next HostInfo or scrape.
 */
public interface HostResources {
  /** Physical memory the kernel manages (MemTotal), in bytes; 0 when it cannot be read. */
  long memoryTotal();

  /**
   * Memory the kernel says is available for new work without swapping (MemAvailable); 0 if unknown.
   */
  long memoryAvailable();

  /** CPUs online; 0 when it cannot be read. */
  int cpusOnline();
}
