package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * One piece of a QEMU command line (a device, an object, a flag) that renders its own arguments, in
 * the style of Kata Containers' govmm: the builder decides which pieces and in which order, each
 * piece decides its spelling. Implementations validate in their constructor, so a piece that exists
 * renders safely.
 */
public interface QemuOption {
  /** The arguments, each a separate argv element (never shell-quoted). */
  List<String> render();
}
