package io.cocos.manager.qemu;

import java.util.List;

/**
 * A readable line diff of two argument lists (longest common subsequence), for failure messages.
 */
final class ArgumentDiff {
  private ArgumentDiff() {}

  static String of(List<String> expected, List<String> actual) {
    int n = expected.size();
    int m = actual.size();
    int[][] common = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        common[i][j] =
            expected.get(i).equals(actual.get(j))
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    StringBuilder out =
        new StringBuilder("arguments differ (index in actual; - expected only, + actual only):\n");
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && expected.get(i).equals(actual.get(j))) {
        out.append(String.format("%4d   %s%n", j, actual.get(j)));
        i++;
        j++;
      } else if (j < m && (i == n || common[i][j + 1] >= common[i + 1][j])) {
        out.append(String.format("%4d + %s%n", j, actual.get(j)));
        j++;
      } else {
        out.append(String.format("     - %s%n", expected.get(i)));
        i++;
      }
    }
    return out.toString();
  }
}
